// When the server answers before it has read the whole body (413, a 405 with
// a body, shutdown's connection: close) Node ends the socket and destroys it as
// soon as its FIN is out. Bytes the client is still sending then meet a closed
// socket, the kernel answers them with a reset, and a client that is still
// writing sees EPIPE/ECONNRESET instead of our answer (seen in the fuzz suite:
// about one 2 MB body in 10,000). Go's net/http, which upstream runs on, waits
// for the client before closing; so do we: after our FIN, the rest of the body
// is read and dropped until the client closes its side or LINGER_MS pass.

import type { Socket } from 'node:net';

/** Long enough for a client on the cluster network to finish a 3 MiB body; short enough not to matter to --max-connections. */
export const LINGER_MS = 1000;

/** Replaces the socket's destroySoon (what Node's HTTP server calls after a closing answer) with a bounded lingering close. */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringDestroySoon(this: Socket) {
    if (this.destroyed) return;
    if (this.writable) this.end();
    if (this.readableEnded) {
      this.destroy();
      return;
    }
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
    this.once('end', () => this.destroy());
    // Whatever HTTP parser or stream was reading has stopped caring: keep the bytes flowing so the end arrives.
    this.resume();
  };
}
