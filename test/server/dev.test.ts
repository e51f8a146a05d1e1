// `npm start` (serve --dev): the curl it prints must work as pasted.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { admit } from '../helpers/apiserver.js';
import { REVIEW_FILE, ROOT, serve, tempDir } from './helpers.js';

t.test('--dev serves the examples and prints a curl that works', async (tt) => {
  const dir = tempDir(tt);
  // Own CA file, so a developer's running `npm start` keeps its .dev/ca.crt.
  const server = await serve(tt, ['--dev', '--ca-bundle-out', join(dir, 'ca.crt')]);
  await tt.resolves(new Promise<void>((resolve) => {
    const check = () => (server.stderr().includes('curl ') ? resolve() : setTimeout(check, 50));
    check();
  }));
  const line = server.stderr().split('\n').find((l) => l.trim().startsWith('curl '));
  tt.ok(line, 'a curl line is printed');
  tt.match(line, `https://localhost:${server.port}/mutate?timeout=10s`);
  tt.match(line, /--data-binary @examples\/admission-review\.json/);

  const out = await new Promise<string>((resolve, reject) => {
    execFile('sh', ['-c', `${line!.trim()} --silent --show-error --max-time 10`], { cwd: ROOT }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
  });
  const review = JSON.parse(readFileSync(REVIEW_FILE, 'utf8'));
  const admitted = admit(review, JSON.parse(out));
  tt.ok(admitted.operations.length > 0, 'the example pod is mutated');
  tt.equal(await server.stop('SIGINT'), 0);
});
