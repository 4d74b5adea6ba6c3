/**
 * `flowline console`: serves the web console on the store until SIGINT or SIGTERM. Read-only on
 * the store's adapter; with `--actions`, on a world, so that plans can be resumed, cancelled and
 * halted from the browser.
 */
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { World } from '../../world/world.js';
import { commandWorld } from '../command-world.js';
import { loadActionsModule } from '../actions-module.js';
import { integerOption, stringOption } from '../args.js';
import type { Command, CommandContext } from '../context.js';
import { usageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { paint, toJsonText } from '../output.js';
import { openStore, storeSpecFrom } from '../store-spec.js';

/** The environment variable holding the default `--token`. */
export const TOKEN_ENV = 'FLOWLINE_CONSOLE_TOKEN';

const DEFAULT_PORT = 7000;
const DEFAULT_HOST = '127.0.0.1';

/** `flowline console`. */
export const consoleCommand: Command = {
  name: 'console',
  summary: 'serve the web console on the store',
  help: `Usage: flowline console [options]

Serve the web console on the store and print its URL; runs until Ctrl+C
(SIGINT) or SIGTERM. Without --actions the console is read-only; with it, the
console starts a world on the store so that plans can be resumed, cancelled and
halted from the browser; that world runs only the plans operated on from the
console (it leaves plans other worlds left running, and delayed plans, alone).

Options:
  --port <port>      TCP port, 0 for any free one (default ${DEFAULT_PORT})
  --host <host>      address to listen on (default ${DEFAULT_HOST}); without a
                     token the console only answers clients on loopback
  --token <token>    secret of at least 16 characters every request must carry
                     (default: $${TOKEN_ENV})
  --actions <module> a JavaScript or TypeScript module exporting the plans' Action
                     classes: enables resume, cancel and halt
  --store <spec>     sqlite:<path> or a postgres:// URL (default: $FLOWLINE_STORE)
  --schema <name>    PostgreSQL schema of the store (default: flowline)
  --json             print {"url": …, "readOnly": …} instead of a sentence
  --debug            print stack traces of errors and the engine's debug log
  -h, --help         show this help

Exit codes: 0 stopped by SIGINT or SIGTERM; 2 usage error (also: cannot listen
on that host and port); 3 store error.

Example:
  flowline console --store sqlite:./flowline.db --port 7000
`,
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    token: { type: 'string' },
    actions: { type: 'string' },
  },
  positionals: [],
  run: runConsole,
};

async function runConsole(ctx: CommandContext): Promise<number> {
  const { values, command, io } = ctx;
  const port = integerOption(
    values,
    'port',
    { min: 0, max: 65535, fallback: DEFAULT_PORT },
    command,
  );
  const host = stringOption(values, 'host') ?? DEFAULT_HOST;
  if (host.trim() === '') throw usageError('option --host must not be empty', command);
  const token = stringOption(values, 'token') ?? nonEmpty(io.env[TOKEN_ENV]);
  const actionsPath = stringOption(values, 'actions');
  const spec = storeSpecFrom(values, io.env, io.cwd, command);
  const actions =
    actionsPath === undefined ? undefined : await loadActionsModule(actionsPath, io.cwd, command);

  // From here on a signal means "shut down cleanly"; a second one quits at once.
  let stopping = false;
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const removeListener = io.onSignal(() => {
    if (stopping) io.exit(ExitCode.INTERRUPTED);
    stopping = true;
    stop();
  });
  const adapter = await openStore(spec).catch((error: unknown) => {
    removeListener();
    throw error;
  });
  let world: World | undefined;
  try {
    if (actions !== undefined) {
      world = commandWorld(adapter, actions, ctx.logger);
      await world.start();
    }
    const { createConsole } = await import('../../console/index.js');
    let server: { url: string; close(): Promise<void> };
    try {
      const options = { logger: ctx.logger, ...(token === undefined ? {} : { token }) };
      const app =
        world === undefined
          ? createConsole({ adapter, ...options })
          : createConsole({ world, ...options });
      server = await app.listen({ port, host });
    } catch (error) {
      throw listenError(error, host, port, command);
    }
    try {
      const readOnly = world === undefined;
      if (ctx.json) {
        io.stdout.write(toJsonText({ url: server.url, readOnly }, false));
      } else {
        io.stdout.write(`Flowline console: ${paint(server.url, 'bold', ctx.color)}\n`);
        if (readOnly) {
          io.stderr.write(
            'flowline: the console is read-only; pass --actions <module> to resume, cancel and halt plans\n',
          );
        }
        if (io.stdout.isTTY === true) io.stderr.write('Press Ctrl+C to stop.\n');
      }
      await stopped;
    } finally {
      await server.close();
    }
    return ExitCode.OK;
  } finally {
    await world?.close().catch((error: unknown) => {
      ctx.logger.error('closing the world failed', { error });
    });
    await adapter.close().catch(() => undefined);
    removeListener();
  }
}

/**
 * A usage error for a token or host the console refuses (e.g. a host beyond loopback without a
 * token), or an address it cannot listen on.
 */
function listenError(error: unknown, host: string, port: number, command: string): unknown {
  if (error instanceof FlowlineError && error.code === ErrorCode.INVALID_ARGUMENT) {
    return usageError(error.message.replace(/^createConsole: (listen: )?/, ''), command, error);
  }
  const code = (error as { code?: unknown } | null)?.code;
  const reasons: Readonly<Record<string, string>> = {
    EADDRINUSE: 'the port is in use (pick another --port, or 0 for any free one)',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    EADDRNOTAVAIL: 'this machine has no such address',
    ENOTFOUND: 'no such host',
  };
  const reason = typeof code === 'string' ? reasons[code] : undefined;
  if (reason === undefined) return error;
  return usageError(`cannot listen on ${host}:${port}: ${reason}`, command, error);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
