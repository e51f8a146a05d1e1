// /readyz follows the identity source: 503 until it has synced, 503 again
// once shutdown starts (in-process: a static source cannot be unsynced).

import { Writable } from 'node:stream';
import t from 'tap';
import { DEFAULT_ENGINE_CONFIG } from '../../src/engine/config.js';
import { createLogger } from '../../src/server/logger.js';
import { createMetrics } from '../../src/server/metrics.js';
import { selfSigned } from '../../src/server/self-signed.js';
import { startWebhookServer } from '../../src/server/webhook-server.js';
import { SERVICE_NAME, https } from './helpers.js';

t.test('readyz waits for the source', async (tt) => {
  const certs = await selfSigned({ names: [SERVICE_NAME] });
  if (!certs.ok) throw new Error(certs.error.message);
  let synced = false;
  const source = { lookup: () => ({ podIdentity: false }), synced: () => synced, snapshot: () => ({}) };
  const server = await startWebhookServer({
    host: '127.0.0.1', port: 0, policy: { minVersion: 'TLSv1.2' }, pair: certs.value.pair,
    handleDeps: { source, config: DEFAULT_ENGINE_CONFIG, random: Math.random },
    synced: () => source.synced(), maxRequestBytes: 1 << 20,
    logger: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })), metrics: createMetrics({ processMetrics: false }),
  });
  if (!server.ok) throw new Error(server.error.message);
  tt.equal(server.value.metricsPort, -1, 'no metrics port asked, none opened');
  const readyz = () => https({ port: server.value.port, ca: certs.value.ca.cert, method: 'GET', path: '/readyz' });
  const before = await readyz();
  tt.equal(before.status, 503);
  tt.equal(before.json().code, 'E_HTTP_NOT_READY');
  tt.equal((await https({ port: server.value.port, ca: certs.value.ca.cert, method: 'GET', path: '/healthz' })).status, 200, 'alive while not ready');
  synced = true;
  tt.equal((await readyz()).status, 200);
  await server.value.shutdown(500);
});
