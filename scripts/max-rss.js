// Loaded with `node --import` by bench-mutate.js: on exit, writes this
// process's peak resident set size (KiB) and its CPU time to fd 3, so the
// benchmark measures the real CLI process rather than a wrapper.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  try {
    writeSync(3, JSON.stringify({ maxRssKiB: u.maxRSS, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  } catch {
    // fd 3 not open: run by hand, nothing to report to.
  }
});
