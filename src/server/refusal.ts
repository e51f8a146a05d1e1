// How both ports refuse a request: a JSON body {"code","message"} from the
// error catalogue, built in one place.

import type { Message } from '../errors.js';

export function errorBody(error: Message): string {
  return JSON.stringify({ code: error.code, message: error.message });
}

/**
 * A refusal raised where no reply is at hand (the body parser): the app's
 * error handler sends it. fastify closes the connection after a parser error,
 * since the client may still be sending a body nobody will read.
 */
export class Refusal extends Error {
  constructor(readonly statusCode: number, readonly error: Message) {
    super(error.message);
  }
}
