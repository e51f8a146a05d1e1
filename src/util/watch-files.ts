// Calls back when any of some files change. cert-manager and the kubelet
// update mounted secrets by swapping a symlinked directory (..data), which
// fs.watch on the file itself misses; so watch the directories and debounce.

import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';

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
