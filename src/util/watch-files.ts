// Calls back when any of some files change. cert-manager and the kubelet
// update mounted secrets by swapping a symlinked directory (..data), which
// fs.watch on the file itself misses; so watch the directories and debounce.

import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Result } from '../errors.js';

export interface FileWatch {
  close(): void;
}

export function watchFiles(paths: readonly string[], onChange: () => void, debounceMs = 250): FileWatch {
  const dirs = [...new Set(paths.map((p) => dirname(resolve(p))))];
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, fire);
      w.on('error', () => undefined);
      watchers.push(w);
    } catch {
      // A directory that does not exist yet cannot be watched; the poll below still sees it appear.
    }
  }
  // fs.watch can miss events on some filesystems (overlay, NFS); a slow poll is the safety net.
  const poll = setInterval(fire, 10_000);
  poll.unref();
  return {
    close() {
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}

export interface ReloadEvents<T> {
  /** A new, checked value (different from the one in use, by `same`). */
  onValue(value: T): void;
  /** The files changed but do not load; the old value stays. Said once per distinct reason. */
  onBroken(reason: string): void;
}

/**
 * Loads `load()` again whenever `paths` change, one load at a time (a change
 * during a load queues one more). The safety-net poll re-reads every few
 * seconds, so a broken state is reported once, not on every poll, until a good
 * read comes in between.
 */
export function watchLoaded<T>(
  paths: readonly string[],
  initial: T,
  load: () => Promise<Result<T>>,
  same: (a: T, b: T) => boolean,
  events: ReloadEvents<T>,
): FileWatch {
  let current = initial;
  let lastBroken = '';
  let busy = false;
  let again = false;
  const reload = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const loaded = await load();
      if (!loaded.ok) {
        if (loaded.error.message !== lastBroken) events.onBroken(loaded.error.message);
        lastBroken = loaded.error.message;
      } else {
        lastBroken = '';
        if (!same(loaded.value, current)) {
          current = loaded.value;
          events.onValue(loaded.value);
        }
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        void reload();
      }
    }
  };
  return watchFiles(paths, () => void reload());
}
