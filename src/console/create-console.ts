import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHandler } from './handler.js';
import type { ListenOptions, ListeningConsole } from './listen.js';
import { listenConsole } from './listen.js';
import type { ConsoleOptions } from './options.js';
import { resolveConsoleOptions } from './options.js';

/**
 * The web console. It is itself a Node HTTP handler: `http.createServer(console)`,
 * `app.use('/flowline', console)` (Express), or
 * `fastify.all('/flowline/*', (req, reply) => { reply.hijack(); console(req.raw, reply.raw); })`
 * with `basePath: '/flowline'` (Fastify).
 */
export interface FlowlineConsole {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Starts a server of its own. host defaults to '127.0.0.1', port to 0 (a free port). */
  listen(options?: ListenOptions): Promise<ListeningConsole>;
}

/**
 * Creates the web console over a started world (with operations: resume, halt, cancel, rollback,
 * skip a step) or a started persistence adapter (read-only).
 *
 * @example
 * ```ts
 * const console = createConsole({ world });
 * const { url, close } = await console.listen({ port: 8080 }); // http://127.0.0.1:8080/
 * ```
 *
 * @param options - `world` or `adapter`, and optional `token`, `basePath`, `logger`,
 *   `heartbeatTimeoutMs`
 * @throws FlowlineError `INVALID_ARGUMENT` naming the bad option
 */
export function createConsole(options: ConsoleOptions): FlowlineConsole {
  const resolved = resolveConsoleOptions(options);
  const handler = createHandler(resolved);
  const flowlineConsole = (
    req: IncomingMessage,
    res: ServerResponse,
    next?: (error?: unknown) => void,
  ): void => {
    handler(req, res, next);
  };
  return Object.assign(flowlineConsole, {
    listen: (listenOptions?: ListenOptions) => listenConsole(handler, resolved, listenOptions),
  });
}
