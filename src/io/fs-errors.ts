// File-system errors as a few words for a message. Its own module so that
// commands which only read a key file do not load the YAML parser with it.

export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'EEXIST': return 'already exists';
    default: return e?.message ?? String(err);
  }
}
