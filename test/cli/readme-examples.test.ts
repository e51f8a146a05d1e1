// The README's shell transcripts are run for real, so the documented output
// cannot drift from what the CLI prints.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { runCli } from '../helpers/cli.js';

const readme = readFileSync('README.md', 'utf8');
const transcripts = [...readme.matchAll(/```text\n\$ pod-identity-webhook ([^\n]+)\n([\s\S]*?)```/g)];

t.ok(transcripts.length >= 1, 'the README has at least one transcript');
for (const [, command, expected] of transcripts) {
  t.test(`README: pod-identity-webhook ${command}`, async (tt) => {
    const r = await runCli((command as string).split(/\s+/));
    tt.equal(r.code, 0, r.stderr);
    tt.equal(r.stdout, expected);
  });
}
