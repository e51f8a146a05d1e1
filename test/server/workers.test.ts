// --workers 2: workers share the port and one self-signed CA, the primary
// aggregates metrics, SIGTERM drains every worker and exits 0.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { admit } from '../helpers/apiserver.js';
import { REVIEW_FILE, httpGet, https, serve, tempDir } from './helpers.js';

t.test('two workers behind one port', async (tt) => {
  const dir = tempDir(tt);
  const bundle = join(dir, 'ca.crt');
  const server = await serve(tt, ['--workers', '2', '--self-signed', '--ca-bundle-out', bundle, '--service-accounts', 'examples/service-accounts.yaml', '--enable-debugging-handlers']);
  const ca = readFileSync(bundle, 'utf8');
  const review = JSON.parse(readFileSync(REVIEW_FILE, 'utf8'));
  for (let i = 0; i < 6; i++) {
    const r = await https({ port: server.port, ca, body: JSON.stringify(review), headers: { 'content-type': 'application/json' } });
    admit(review, r.json());
  }
  const m = await httpGet(server.metricsPort, '/metrics');
  tt.match(m.body, /http_request_count\{verb="POST",path="\/mutate",code="200"\} 6/, 'counts summed over workers');
  tt.match(m.body, /pod_identity_webhook_used 1\b/, 'the usage gauge is not summed');
  tt.match((await httpGet(server.metricsPort, '/debug/alpha/cache')).body, /s3-reader/);
  tt.equal(await server.stop('SIGTERM'), 0);
  const pids = new Set(server.logs().filter((l) => l.msg === 'stopped').map((l) => l.pid));
  tt.equal(pids.size, 3, 'both workers and the primary stopped cleanly');
});
