// --help, --version and the README flag table all come from src/cli/flags.ts.

import { readFileSync } from 'node:fs';
import t from 'tap';
import { EXIT_CODES, FLAGS } from '../../src/cli/flags.js';
import { renderExitCodeTable, renderFlagTable } from '../../src/cli/help.js';
import { runCli } from '../helpers/cli.js';

t.test('README flag table matches the flag definitions (npm run readme regenerates)', async (tt) => {
  const readme = readFileSync('README.md', 'utf8');
  const block = readme.split('<!-- flags:start -->')[1]?.split('<!-- flags:end -->')[0] ?? '';
  tt.equal(block.trim(), renderFlagTable().trim());
});

t.test('README exit-code table matches EXIT_CODES, the source --help prints (npm run readme regenerates)', async (tt) => {
  const readme = readFileSync('README.md', 'utf8');
  const block = readme.split('<!-- exit-codes:start -->')[1]?.split('<!-- exit-codes:end -->')[0] ?? '';
  tt.equal(block.trim(), renderExitCodeTable().trim());
  for (const [code] of EXIT_CODES) tt.match(block, new RegExp(`^\\| ${code} \\|`, 'm'), `exit code ${code} in the README`);
  const help = await runCli(['mutate', '--help']);
  for (const [code, meaning] of EXIT_CODES) tt.ok(help.stdout.includes(`${String(code).padEnd(3)} ${meaning}`), `--help lists ${code} as the README does`);
});

t.test('every command documents its flags in --help', async (tt) => {
  for (const cmd of ['serve', 'replay', 'mutate'] as const) {
    const r = await runCli([cmd, '--help']);
    tt.equal(r.code, 0);
    for (const f of FLAGS.filter((x) => x.commands.includes(cmd) && x.group !== 'compat')) tt.match(r.stdout, `--${f.name}`, `${cmd} --help lists --${f.name}`);
  }
  const top = await runCli(['--help']);
  tt.match(top.stdout, /serve[\s\S]*replay[\s\S]*mutate/);
  const none = await runCli([]);
  tt.equal(none.code, 2, 'no command is a usage error');
});

t.test('--version prints the package version', async (tt) => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  for (const argv of [['--version'], ['replay', '--version']]) {
    const r = await runCli(argv);
    tt.equal(r.stdout.trim(), `pod-identity-webhook ${pkg.version}`);
  }
});
