// Writes a set of files under one directory all or nothing: each goes to a
// temporary file beside its target, and only when every one is on disk are
// they renamed into place (a rename within a directory is atomic). On any
// error the targets are restored, temporaries removed and the directories
// this call created removed again, so an upload script never sees half a
// publication.

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fail, ok, type Result, type Message } from '../errors.js';
import { describeFsError } from '../io/fs-errors.js';

export interface FileToWrite {
  /** Path segments under the directory. */
  readonly segments: readonly string[];
  readonly content: string;
}

class AtPath extends Error {
  constructor(readonly path: string, err: unknown) {
    super(describeFsError(err));
  }
}

async function at<T>(path: string, what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    throw err instanceof AtPath ? err : new AtPath(path, err);
  }
}

export async function writeAllOrNothing(dir: string, files: readonly FileToWrite[], failed: (path: string, reason: string) => Message)
  : Promise<Result<string[]>> {
  const created: string[] = [];
  const temps: string[] = [];
  const backups: Array<{ target: string; backup: string }> = [];
  const placed: string[] = [];
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await makeDirs(dir, created);
    const targets = files.map((f) => join(dir, ...f.segments));
    for (const [i, f] of files.entries()) {
      const target = targets[i] as string;
      await makeDirs(dirname(target), created);
      const temp = join(dirname(target), `.${f.segments.at(-1)}.tmp-${tag}`);
      await at(temp, () => writeFile(temp, f.content, { flag: 'wx', mode: 0o644 }));
      temps.push(temp);
    }
    for (const target of targets) {
      const existing = await at(target, () => lstat(target).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      }));
      if (existing?.isDirectory()) throw new AtPath(target, new Error('is a directory'));
      if (existing) {
        const backup = join(dirname(target), `.${target.split(/[/\\]/).at(-1)}.old-${tag}`);
        await at(target, () => rename(target, backup));
        backups.push({ target, backup });
      }
    }
    for (const [i, target] of targets.entries()) {
      await at(target, () => rename(temps[i] as string, target));
      placed.push(target);
    }
    await Promise.all(backups.map((b) => rm(b.backup, { force: true }).catch(() => undefined)));
    return ok(targets);
  } catch (err) {
    // Undo in reverse: what was placed, then the old files back, then temporaries and new directories.
    for (const p of placed) await rm(p, { force: true }).catch(() => undefined);
    for (const b of backups) await rename(b.backup, b.target).catch(() => undefined);
    for (const t of temps) await rm(t, { force: true }).catch(() => undefined);
    for (const d of created.reverse()) await rmdir(d).catch(() => undefined);
    const e = err instanceof AtPath ? err : new AtPath(dir, err);
    return fail(failed(e.path, e.message));
  }
}

/** mkdir -p that records which directories it made, outermost first. */
async function makeDirs(dir: string, created: string[]): Promise<void> {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    const st = await at(p, () => stat(p).catch((err: NodeJS.ErrnoException) => {
      // ENOTDIR: a parent is a file; walking up finds it and names it.
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    }));
    if (st) {
      if (!st.isDirectory()) throw new AtPath(p, new Error('exists and is not a directory'));
      break;
    }
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  for (const m of missing) {
    await at(m, () => mkdir(m));
    created.push(m);
  }
}
