import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startFake, startSource, tempDir, tryStart, until, writeKubeconfig } from './setup.js';

t.test('--watch-container-credentials-config: loaded at start, reloaded, malformed keeps the previous, empty clears', async (t) => {
  const fake = await startFake(t);
  const file = join(tempDir(t), 'identities.json');
  const ids = (...pairs: string[]) => JSON.stringify({ identities: pairs.map((p) => ({ namespace: p.split('/')[0], serviceAccount: p.split('/')[1] })) });
  writeFileSync(file, ids('a/one'));
  const { running, logs } = await startSource(t, fake, ['--watch-container-credentials-config', file]);
  const s = running.source;
  t.ok((await s.lookup('a', 'one')).podIdentity, 'loaded at start');

  writeFileSync(file, ids('a/two'));
  await until(async () => (await s.lookup('a', 'two')).podIdentity, 'reload', 5000);
  t.notOk((await s.lookup('a', 'one')).podIdentity, 'replaced, not merged');

  writeFileSync(file, '{"identities": [');
  await until(() => logs.some((l) => /malformed/.test(l.msg)), 'malformed logged', 5000);
  t.ok((await s.lookup('a', 'two')).podIdentity, 'previous kept');

  writeFileSync(file, '');
  await until(async () => !(await s.lookup('a', 'two')).podIdentity, 'empty clears', 5000);
});

t.test('a malformed Pod Identity file at start fails with the catalogue message', async (t) => {
  const fake = await startFake(t);
  const file = join(tempDir(t), 'bad.json');
  writeFileSync(file, '{"identities": 3}');
  const { result } = await tryStart(['--kubeconfig', writeKubeconfig(t, fake), '--container-credentials-config', file]);
  t.ok(!result.ok && result.error.code === 'E_POD_IDENTITY_FILE_BAD');
});

t.test('a broken Pod Identity file is reported once per reason, not on every change or poll', async (t) => {
  const fake = await startFake(t);
  const file = join(tempDir(t), 'identities.json');
  writeFileSync(file, JSON.stringify({ identities: [{ namespace: 'a', serviceAccount: 'one' }] }));
  const { logs } = await startSource(t, fake, ['--watch-container-credentials-config', file]);
  const broken = () => logs.filter((l) => /malformed or unreadable/.test(l.msg));
  writeFileSync(file, '{"identities": [');
  await until(() => broken().length === 1, 'first report', 5000);
  // The same breakage written again (each write is a change event): no new report.
  for (let i = 0; i < 3; i++) {
    writeFileSync(file, '{"identities": [');
    await new Promise((r) => setTimeout(r, 400));
  }
  t.equal(broken().length, 1, 'reported once');
  writeFileSync(file, '{"identities": 3}');
  await until(() => broken().length === 2, 'a different reason is reported', 5000);
});
