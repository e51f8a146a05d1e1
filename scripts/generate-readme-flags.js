// Rewrites the flag table and the exit-code table in README.md from
// src/cli/flags.ts (via the build). `npm run readme`; test/cli/help.test.ts
// fails when the README and the code differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderExitCodeTable, renderFlagTable } from '../dist/cli/help.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
let next = readme;
for (const [name, render] of [['flags', renderFlagTable], ['exit-codes', renderExitCodeTable]]) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = next.indexOf(start);
  const b = next.indexOf(end);
  if (a < 0 || b < a) {
    console.error(`README.md has no ${start} ... ${end} block`);
    process.exit(1);
  }
  next = `${next.slice(0, a + start.length)}\n${render()}\n${next.slice(b)}`;
}
if (next !== readme) writeFileSync(path, next);
console.log(next === readme ? 'README tables already up to date' : 'README tables updated');
