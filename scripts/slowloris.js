// The slowloris clients of bench-connections.js, in a process of their own so
// that their TLS handshakes do not stall the event loop that times the reviews.
// Holds COUNT connections to 127.0.0.1:PORT, each sending a header byte every
// second and reopened when the server closes it (200 ms later if refused).
// Answers the parent's "stats" with { held, reopened }; "stop" ends it.
//
//   node scripts/slowloris.js PORT COUNT   (CA_PEM in the environment; forked by bench-connections.js)
import { openTls } from './bench-servers.js';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const ca = process.env.CA_PEM;
let stopped = false;
let reopened = 0;
const live = new Set();

const one = async () => {
  if (stopped) return;
  const s = await openTls(port, ca);
  if (!s) return void setTimeout(one, 200);
  live.add(s);
  s.on('error', () => undefined);
  s.write('POST /mutate HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => s.writable && s.write('X'), 1000);
  s.once('close', () => {
    clearInterval(drip);
    live.delete(s);
    if (!stopped) reopened++;
    void one();
  });
};

process.on('message', (m) => {
  if (m === 'stats') process.send({ held: live.size, reopened });
  if (m === 'stop') {
    stopped = true;
    for (const s of live) s.destroy();
    process.exit(0);
  }
});
for (let i = 0; i < count; i++) void one();
