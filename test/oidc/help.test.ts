// The oidc commands' --help lists their flags (all from src/cli/flags.ts), and
// `oidc` alone lists the subcommands.

import t from 'tap';
import { FLAGS } from '../../src/cli/flags.js';
import { runCli } from '../helpers/cli.js';

for (const cmd of ['oidc jwks', 'oidc discovery', 'oidc publish', 'oidc verify-token'] as const) {
  t.test(`${cmd} --help`, async (tt) => {
    const r = await runCli([...cmd.split(' '), '--help']);
    tt.equal(r.code, 0);
    tt.match(r.stdout, `Usage: pod-identity-webhook ${cmd} `);
    for (const f of FLAGS.filter((x) => x.commands.includes(cmd))) tt.match(r.stdout, `--${f.name}`, `lists --${f.name}`);
  });
}

t.test('oidc alone lists its subcommands; an unknown one is a usage error', async (tt) => {
  const r = await runCli(['oidc', '--help']);
  tt.equal(r.code, 0);
  for (const sub of ['jwks', 'discovery', 'publish', 'verify-token']) tt.match(r.stdout, `pod-identity-webhook oidc ${sub} `);
  const bad = await runCli(['oidc', 'keys']);
  tt.equal(bad.code, 2);
  tt.match(bad.stderr, /unknown command "oidc keys"/);
});
