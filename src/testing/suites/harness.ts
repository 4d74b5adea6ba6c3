import { expect } from '../vitest.js';
import type { PersistenceAdapter, StoredPlan } from '../../persistence/adapter.js';
import { fixtureBatch, makePlanFixture } from '../fixtures.js';
import type { PlanFixture } from '../fixtures.js';

/**
 * The groups of the conformance suite; `AdapterConformanceOptions.skip` takes these names.
 *
 * - `plans`: `write` and `loadPlan` (round trip, copies, replacement by key, atomic batches)
 * - `claimStep`: the conditional move to `running`, also under racing callers
 * - `findPlans`: filters, newest-first order, paging
 * - `forwardCompatibility`: `schemaVersion` and unknown fields survive unchanged
 * - `events`: per-step event queues (`enqueueEvent`, `takeEvent`, `dropEvents`)
 * - `messages`: messages kept by plan and name (`enqueueMessage`, `takeMessage`), and the
 *   `waitFor` of step records
 * - `delayedPlans`: delayed-plan records and `findDueDelayedPlans`
 * - `dependencies`: plan dependencies (`findDependencies`, `findDependents`)
 * - `logs`: step log lines (`appendLogs`, `loadLogs`)
 * - `worlds`: the world registry (`registerWorld`, `heartbeat`, `findWorlds`, `unregisterWorld`)
 * - `locks`: `acquireLock`, `releaseLock`, `findLocks`
 * - `insertPlan`: `insertPlan` (a new plan only when its id and idempotency key are free, racing
 *   callers), keys unique under `write` too, `findPlans` by `idempotencyKey`
 * - `durability`: what was written survives closing and reopening the store (needs `reopen`)
 * - `unreadableRecords`: records stored with the wrong shape are reported as the contract says
 *   (`INVALID_PLAN`, or listed marked `invalid`), never returned as if they were good
 * - `flowVersions`: the optional `saveFlowVersions` and `findFlowVersions` (round trip, upsert,
 *   atomic batches, refusal of bad records, order, filters); skipped, with the reason, for an
 *   adapter without them
 */
export type ConformanceGroup =
  | 'plans'
  | 'claimStep'
  | 'findPlans'
  | 'forwardCompatibility'
  | 'events'
  | 'messages'
  | 'delayedPlans'
  | 'dependencies'
  | 'logs'
  | 'worlds'
  | 'locks'
  | 'insertPlan'
  | 'durability'
  | 'unreadableRecords'
  | 'flowVersions';

/** The optional methods of {@link PersistenceAdapter}, which a group may require. */
export type OptionalMethod = 'saveFlowVersions' | 'findFlowVersions';

/** One conformance test: receives the started adapter of the test. */
export type ConformanceTest = (adapter: PersistenceAdapter) => Promise<void>;

/** Registers one test in a group. Titles are unique across the suite. */
export type RegisterTest = (title: string, fn: ConformanceTest) => void;

/** What the group modules get from `runAdapterConformance`. */
export interface ConformanceHarness {
  /** How many callers race in the claimStep and concurrent-write tests. */
  readonly concurrency: number;
  /** Whether a group runs (is not skipped by the options). */
  supports(group: ConformanceGroup): boolean;
  /**
   * Registers a `describe` block for a group. With `requires`, each test is skipped at run time,
   * with a note naming what is missing, when the test's adapter lacks one of those optional methods.
   */
  group(
    group: ConformanceGroup,
    title: string,
    body: (test: RegisterTest) => void,
    requires?: readonly OptionalMethod[],
  ): void;
  /** Closes the test's adapter and opens a new one on the same store (started). */
  reopen(): Promise<PersistenceAdapter>;
}

/**
 * Awaits `run`, which must reject; returns the rejection reason. A synchronous throw counts as a
 * failure of the contract (every method returns a promise).
 */
export async function rejectionOf(what: string, run: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = run();
  } catch (error) {
    expect.fail(
      `${what} threw synchronously (${String(error)}); adapter methods must return a rejected promise`,
    );
  }
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return expect.fail(`${what} resolved, but it must reject`);
}

/**
 * Asserts the error convention of adapters: an `Error` whose `code` is `STORAGE_ERROR` (a
 * `FlowlineError`). `instanceof FlowlineError` is not required, since an adapter may load another
 * copy of the package (ESM and CommonJS).
 */
export function expectStorageError(error: unknown, what: string): void {
  expect(error, `${what}: must reject with an Error`).toBeInstanceOf(Error);
  expect(
    (error as { code?: unknown }).code,
    `${what}: must reject with a FlowlineError whose code is STORAGE_ERROR (got ${String(error)})`,
  ).toBe('STORAGE_ERROR');
}

/**
 * Asserts the refusal of a bad argument: an `Error` whose `code` is `INVALID_ARGUMENT` and whose
 * message names `field` (as `expectStorageError`, `instanceof FlowlineError` is not required).
 */
export function expectInvalidArgument(error: unknown, field: string, what: string): void {
  expect(error, `${what}: must reject with an Error`).toBeInstanceOf(Error);
  expect(
    (error as { code?: unknown }).code,
    `${what}: must reject with a FlowlineError whose code is INVALID_ARGUMENT (got ${String(error)})`,
  ).toBe('INVALID_ARGUMENT');
  expect((error as Error).message, `${what}: the message must name ${field}`).toContain(field);
}

/** Sorted copy of a list of strings, for comparisons where the contract gives no order. */
export function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/** Runs `count` calls at once and returns their results, in call order. */
export function race<T>(count: number, call: (index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => call(index)));
}

/** Loads a plan that must exist. */
export async function loadExisting(
  adapter: PersistenceAdapter,
  planId: string,
): Promise<StoredPlan> {
  const stored = await adapter.loadPlan(planId);
  expect(
    stored,
    `loadPlan(${JSON.stringify(planId)}) must find the plan written before`,
  ).toBeDefined();
  return stored as StoredPlan;
}

/** Writes a whole fixture and returns a fresh copy of it to compare with. */
export async function writeFixture(
  adapter: PersistenceAdapter,
  planId: string,
): Promise<PlanFixture> {
  await adapter.write(fixtureBatch(makePlanFixture(planId)));
  return makePlanFixture(planId);
}
