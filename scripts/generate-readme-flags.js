// Rewrites the flag table in README.md from src/cli/flags.ts (via the build).
// `npm run readme`; test/cli/readme.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderFlagTable } from '../dist/cli/help.js';

const START = '<!-- flags:start -->';
const END = '<!-- flags:end -->';
const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) {
  console.error(`README.md has no ${START} ... ${END} block`);
  process.exit(1);
}
const next = `${readme.slice(0, a + START.length)}\n${renderFlagTable()}\n${readme.slice(b)}`;
if (next !== readme) writeFileSync(path, next);
console.log(next === readme ? 'README flag table already up to date' : 'README flag table updated');
