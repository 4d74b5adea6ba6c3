import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { StepLog } from '../../action/step-log.js';

/** Where `console.*` calls made inside a stage's `process` go. */
interface CaptureTarget {
  /** The stage's log, read only when something is logged (a step's log is made on first use). */
  readonly log: () => StepLog;
  open: boolean;
}

const storage = new AsyncLocalStorage<CaptureTarget>();
const LEVELS = {
  log: 'info',
  info: 'info',
  debug: 'debug',
  trace: 'debug',
  warn: 'warn',
  error: 'error',
} as const;

let installed = false;

/**
 * Wraps the `console` methods once per process: a call made inside a stage's `process` (found
 * through AsyncLocalStorage) becomes a line of that stage's log; any other call (other stages,
 * the host application, a stage that has already ended) goes to the console as before.
 */
function install(): void {
  if (installed) return;
  installed = true;
  const target = console as unknown as Record<keyof typeof LEVELS, (...args: unknown[]) => void>;
  for (const [method, level] of Object.entries(LEVELS) as [
    keyof typeof LEVELS,
    'info' | 'debug' | 'warn' | 'error',
  ][]) {
    const original = target[method].bind(console);
    target[method] = (...args: unknown[]): void => {
      const capture = storage.getStore();
      if (capture === undefined || !capture.open) {
        original(...args);
        return;
      }
      capture.log()[level](format(...args));
    };
  }
}

/**
 * Runs `fn` with its `console.*` calls captured into `log`. Calls made after `fn` settled (a timer
 * it left behind) go to the console.
 *
 * @internal
 */
export async function capturingConsole<T>(
  log: () => StepLog,
  fn: () => Promise<T> | T,
): Promise<T> {
  install();
  const target: CaptureTarget = { log, open: true };
  try {
    return await storage.run(target, fn);
  } finally {
    target.open = false;
  }
}
