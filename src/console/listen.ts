/** `console.listen()`: a server of the console's own, bound to loopback unless it has a token. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConsoleHandler } from './handler.js';
import type { ResolvedConsoleOptions } from './options.js';
import { describeValue } from '../shared/describe-value.js';
import { invalid } from './options.js';
import { isLoopbackHost } from './security.js';

/** Options of `console.listen()`. */
export interface ListenOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /**
   * Address to bind. Anything but loopback (`127.0.0.1`, `::1`, `localhost`) needs a console
   * created with a token. @default '127.0.0.1'
   */
  readonly host?: string;
}

/** A console listening on its own server. */
export interface ListeningConsole {
  /** The console's address, e.g. `http://127.0.0.1:43117/`. */
  readonly url: string;
  /** Stops the server, closing open connections. */
  close(): Promise<void>;
}

/**
 * Starts a server for the console.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` for bad options, or a host beyond loopback without a
 *   token (nothing is listening then)
 */
export async function listenConsole(
  handler: ConsoleHandler,
  resolved: ResolvedConsoleOptions,
  options: unknown,
): Promise<ListeningConsole> {
  const { port, host } = listenOptions(options);
  if (!isLoopbackHost(host) && resolved.token === undefined) {
    throw invalid(
      `listen: host ${JSON.stringify(host)} is reachable from other machines; create the console ` +
        'with a token to bind beyond loopback (127.0.0.1, ::1, localhost)',
    );
  }
  const server = createServer((req, res) => {
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(host)}:${address.port}${resolved.basePath}/`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function listenOptions(options: unknown): { port: number; host: string } {
  if (options === undefined) return { port: 0, host: '127.0.0.1' };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`listen: options must be an object, got ${describeValue(options)}`);
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key !== 'port' && key !== 'host') {
      throw invalid(`listen: unknown option ${JSON.stringify(key)}`);
    }
  }
  const { port, host } = given;
  if (
    port !== undefined &&
    (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)
  ) {
    throw invalid(
      `listen: option port must be an integer from 0 to 65535, got ${describeValue(port)}`,
    );
  }
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) {
    throw invalid(`listen: option host must be a non-empty string, got ${describeValue(host)}`);
  }
  return {
    port: port ?? 0,
    host: host ?? '127.0.0.1',
  };
}

/** The host part of the console's URL: a wildcard address becomes loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]`;
  return host;
}
