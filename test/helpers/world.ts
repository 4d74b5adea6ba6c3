/**
 * Shared helpers for scenario tests: a world that is always closed, deferred promises the test
 * settles itself (tests never sleep), a probe to wait for a condition, and small plan lookups.
 */
import { expect } from 'vitest';
import { FlowlineError, World } from '../../src/index.js';
import type {
  ActionRecord,
  ErrorCode,
  ExecutionPlan,
  LogMeta,
  Logger,
  Phase,
  StepRecord,
  WorldEventMap,
  WorldOptions,
} from '../../src/index.js';

/** A promise together with the functions that settle it. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
  /** Whether resolve or reject was called. */
  readonly settled: boolean;
}

const unsettled = new Set<Deferred<never>>();

/**
 * A promise the test settles by hand. Deferreds still open when {@link withWorld} ends are rejected,
 * so an action blocked on one lets the world close (and a failing test reports its own error
 * instead of a timeout).
 */
export function deferred<T = void>(): Deferred<T> {
  let resolveFn!: (value: T) => void;
  let rejectFn!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  // Rejected on clean-up, possibly with nobody listening: that must not be an unhandled rejection.
  promise.catch(() => {});
  let settled = false;
  const d: Deferred<T> = {
    promise,
    resolve(value) {
      settled = true;
      unsettled.delete(d as Deferred<never>);
      resolveFn(value);
    },
    reject(error) {
      settled = true;
      unsettled.delete(d as Deferred<never>);
      rejectFn(error);
    },
    get settled() {
      return settled;
    },
  };
  unsettled.add(d as Deferred<never>);
  return d;
}

function abandonDeferreds(): void {
  for (const d of [...unsettled]) d.reject(new Error('the test ended before this was settled'));
}

/**
 * Creates and starts a world, hands it to `fn`, and always closes it afterwards.
 *
 * @param options - world options
 * @param fn - the scenario
 */
export async function withWorld<T>(
  options: WorldOptions,
  fn: (world: World) => Promise<T>,
): Promise<T> {
  const world = new World(options);
  await world.start();
  try {
    return await fn(world);
  } finally {
    abandonDeferreds();
    await world.close();
  }
}

/**
 * Waits for a condition over state the test tracks: call {@link Probe.poke} after each change.
 */
export class Probe {
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  /** Re-checks every pending `until`. */
  poke(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `check()` is true (at once if it already is). */
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }
}

/**
 * The first `name` event matching `predicate` from now on. Register it before causing the event.
 */
export function nextEvent<K extends keyof WorldEventMap>(
  world: World,
  name: K,
  predicate: (event: WorldEventMap[K]) => boolean,
): Promise<WorldEventMap[K]> {
  return new Promise((resolve) => {
    const off = world.on(name, (event) => {
      if (!predicate(event)) return;
      off();
      resolve(event);
    });
  });
}

/** One line a {@link recordingLogger} received. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly meta: LogMeta | undefined;
}

/** A logger that keeps what it is told, for assertions. */
export function recordingLogger(): Logger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, meta?: LogMeta): void => {
      entries.push({ level, message, meta });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A logger that tells the test when the executor stalls a plan because its store failed (see
 * `executor/outage.ts`); it drops everything else.
 */
export function stallWatcher(): Logger & { readonly stalled: Promise<void> } {
  const seen = deferred();
  const error = (message: string): void => {
    if (/the plan is kept and tried again/.test(message)) seen.resolve();
  };
  return { stalled: seen.promise, debug: () => {}, info: () => {}, warn: () => {}, error };
}

/** What a synchronous call threw (fails the test if it did not throw). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** What a promise rejected with (fails the test if it resolved). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Asserts that `error` is a {@link FlowlineError} with `code`, and returns it typed. */
export function expectFlowlineError(error: unknown, code: ErrorCode): FlowlineError {
  expect(error).toBeInstanceOf(FlowlineError);
  const flowline = error as FlowlineError;
  expect(flowline.code).toBe(code);
  return flowline;
}

/** The actions of a plan with this class name, in id order. */
export function actionsOf(plan: ExecutionPlan, className: string): ActionRecord[] {
  return plan.actions.filter((action) => action.className === className);
}

/** The only action of a plan with this class name. */
export function actionOf(plan: ExecutionPlan, className: string): ActionRecord {
  const found = actionsOf(plan, className);
  expect(found, `actions named ${className}`).toHaveLength(1);
  return found[0] as ActionRecord;
}

/** The step of `phase` of the only action named `className`. */
export function stepOf(plan: ExecutionPlan, className: string, phase: Phase): StepRecord {
  const action = actionOf(plan, className);
  const step = plan.steps.find((s) => s.actionId === action.id && s.phase === phase);
  if (step === undefined) throw new Error(`${className} has no ${phase} step`);
  return step;
}

/** A step by id. */
export function stepById(plan: ExecutionPlan, stepId: number): StepRecord {
  const step = plan.steps.find((s) => s.id === stepId);
  if (step === undefined) throw new Error(`plan ${plan.id} has no step ${stepId}`);
  return step;
}

/**
 * Resolves with the plan once it is in one of `states` (by default paused or stopped), whether it
 * already is or gets there later; driven by `plan:state` events, never by polling.
 */
export async function planReaching(
  world: World,
  id: string,
  states: readonly ExecutionPlan['state'][] = ['paused', 'stopped'],
): Promise<ExecutionPlan> {
  const reached = deferred();
  const off = world.on('plan:state', (event) => {
    if (event.planId === id && states.includes(event.state)) reached.resolve();
  });
  try {
    const current = await world.executionPlan(id);
    if (current === undefined || !states.includes(current.state)) await reached.promise;
    return (await world.executionPlan(id)) as ExecutionPlan;
  } finally {
    off();
  }
}
