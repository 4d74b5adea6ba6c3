import { ErrorCode, FlowlineError } from '../errors.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { Logger } from '../shared/logger.js';
import { consoleLogger } from '../shared/logger.js';
import type { World } from '../world/world.js';
import { describeValue } from '../shared/describe-value.js';

/** Options shared by both kinds of console. */
interface CommonConsoleOptions {
  /**
   * A secret of at least 16 characters. When set, every request must carry it
   * (`Authorization: Bearer <token>`, or the cookie the console's login form sets), and the console
   * may be bound beyond loopback. Without it the console only answers loopback clients.
   */
  readonly token?: string;
  /**
   * The path the console is served under when the host server does not strip it, e.g. `/flowline`
   * (used for links and to strip the prefix from `req.url`). Express's `app.use(path, console)`
   * sets `req.baseUrl`, which takes precedence.
   */
  readonly basePath?: string;
  /** Where the console reports failures. @default consoleLogger (warnings and errors to stderr) */
  readonly logger?: Logger;
  /** A world whose heartbeat is older than this is shown as stale. @default 30000 */
  readonly heartbeatTimeoutMs?: number;
}

/**
 * Options of {@link createConsole}: a started `world` (full console, with operations), or a started
 * persistence `adapter` (read-only console), never both.
 */
export type ConsoleOptions =
  | (CommonConsoleOptions & { readonly world: World })
  | (CommonConsoleOptions & { readonly adapter: PersistenceAdapter });

/** {@link ConsoleOptions} after validation, with defaults applied. @internal */
export interface ResolvedConsoleOptions {
  readonly world: World | undefined;
  readonly adapter: PersistenceAdapter | undefined;
  readonly token: string | undefined;
  /** `''` or a path like `/flowline` (no trailing slash). */
  readonly basePath: string;
  readonly logger: Logger;
  readonly heartbeatTimeoutMs: number;
}

/** Shortest token accepted. */
export const MIN_TOKEN_LENGTH = 16;

const KNOWN = new Set(['world', 'adapter', 'token', 'basePath', 'logger', 'heartbeatTimeoutMs']);
const WORLD_METHODS = [
  'executionPlans',
  'executionPlan',
  'stepLog',
  'subPlans',
  'resume',
  'halt',
  'cancel',
  'skipStep',
  'on',
] as const;
const ADAPTER_METHODS = [
  'findPlans',
  'loadPlan',
  'loadLogs',
  'findWorlds',
  'findDependencies',
  'findDependents',
] as const;
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;
/** A path of URL-safe segments: `/a`, `/a/b-c`; no empty segment, no dot segment. */
const BASE_PATH = /^(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/;

/**
 * Checks the options given to `createConsole` and applies defaults.
 *
 * @param options - what the caller passed (may be anything at run time)
 * @throws FlowlineError `INVALID_ARGUMENT` naming the bad option
 */
export function resolveConsoleOptions(options: unknown): ResolvedConsoleOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(
      `options must be an object with a world or an adapter, got ${describeValue(options)}`,
    );
  }
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key)) throw invalid(`unknown option ${JSON.stringify(key)}`);
  }
  const { world, adapter, token, basePath, logger, heartbeatTimeoutMs } = given;
  if (world !== undefined && adapter !== undefined) {
    throw invalid('pass either world or adapter, not both');
  }
  if (world === undefined && adapter === undefined) {
    throw invalid('pass a started world (full console) or a started adapter (read-only console)');
  }
  if (world !== undefined) requireMethods(world, 'world', WORLD_METHODS, 'a started World');
  if (adapter !== undefined) {
    requireMethods(adapter, 'adapter', ADAPTER_METHODS, 'a started PersistenceAdapter');
  }
  if (token !== undefined) {
    if (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH) {
      throw invalid(
        `option token must be a string of at least ${MIN_TOKEN_LENGTH} characters, got ` +
          (typeof token === 'string' ? `${token.length} characters` : describeValue(token)),
      );
    }
    if (!/^[\x21-\x7e]+$/.test(token)) {
      throw invalid('option token must be printable ASCII without spaces (it is sent in a header)');
    }
  }
  if (basePath !== undefined) {
    if (typeof basePath !== 'string' || !basePath.startsWith('/')) {
      throw invalid(
        `option basePath must be a path starting with '/', got ${describeValue(basePath)}`,
      );
    }
    if (basePath !== '/' && !BASE_PATH.test(basePath.replace(/\/$/, ''))) {
      throw invalid(
        `option basePath must be a plain path such as '/flowline' (letters, digits and - . _ ~ ` +
          `in each segment), got ${describeValue(basePath)}`,
      );
    }
  }
  if (logger !== undefined) requireMethods(logger, 'logger', LOGGER_METHODS, 'a Logger');
  if (
    heartbeatTimeoutMs !== undefined &&
    (typeof heartbeatTimeoutMs !== 'number' ||
      !Number.isFinite(heartbeatTimeoutMs) ||
      heartbeatTimeoutMs <= 0)
  ) {
    throw invalid(
      `option heartbeatTimeoutMs must be a positive number of milliseconds, got ${describeValue(heartbeatTimeoutMs)}`,
    );
  }
  return {
    world: world as World | undefined,
    adapter: adapter as PersistenceAdapter | undefined,
    token: token,
    basePath: basePath === undefined ? '' : basePath.replace(/\/$/, ''),
    logger: (logger as Logger | undefined) ?? consoleLogger,
    heartbeatTimeoutMs: heartbeatTimeoutMs ?? 30_000,
  };
}

/** Duck-typed, so a World or adapter from another copy of the package (ESM/CJS) is accepted. */
function requireMethods(
  value: unknown,
  name: string,
  methods: readonly string[],
  what: string,
): void {
  const missing =
    typeof value === 'object' && value !== null
      ? methods.filter((method) => typeof (value as Record<string, unknown>)[method] !== 'function')
      : methods;
  if (missing.length > 0) {
    throw invalid(
      `option ${name} must be ${what}, got ${describeValue(value)}` +
        (typeof value === 'object' && value !== null ? ` without ${missing.join(', ')}` : ''),
    );
  }
}

/** An `INVALID_ARGUMENT` error of `createConsole`. @internal */
export function invalid(message: string): FlowlineError {
  return new FlowlineError(ErrorCode.INVALID_ARGUMENT, `createConsole: ${message}`);
}
