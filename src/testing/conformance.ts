/**
 * The adapter conformance suite: one vitest `describe` block that pins the
 * {@link PersistenceAdapter} contract. Every adapter — the bundled ones and a user's own — runs it
 * unchanged.
 */
import { vitest } from './vitest.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import { registerCoordinationTests } from './suites/coordination.js';
import { registerFlowVersionTests } from './suites/flow-versions.js';
import { registerInsertPlanTests } from './suites/insert-plan.js';
import { registerMessageTests } from './suites/messages.js';
import { registerPlanTests } from './suites/plans.js';
import { registerQueueTests } from './suites/queues.js';
import { registerUnreadableRecordTests } from './suites/unreadable.js';
import type { ConformanceGroup, ConformanceHarness, ConformanceTest } from './suites/harness.js';

export type { ConformanceGroup } from './suites/harness.js';

/**
 * Makes the adapter under test. Called once per test; the adapter it returns must be empty (a new
 * SQLite file, a new PostgreSQL schema, …) and not yet started: the suite calls `start()` before
 * the test and `close()` after it.
 *
 * @typeParam A - the adapter class, so that `reopen` and `cleanup` see its own members
 */
export type AdapterFactory<A extends PersistenceAdapter = PersistenceAdapter> = () =>
  A | Promise<A>;

/**
 * Options of {@link runAdapterConformance}. The defaults are strict: every group runs and every
 * test must pass.
 *
 * @typeParam A - the adapter class returned by the factory
 */
export interface AdapterConformanceOptions<A extends PersistenceAdapter = PersistenceAdapter> {
  /**
   * Groups of tests this adapter does not support; they are reported as skipped. Only use this for
   * an adapter that really cannot offer the feature (the engine relies on every group).
   */
  readonly skip?: readonly ConformanceGroup[];
  /**
   * Titles of tests known to fail on this adapter. They run as `it.fails`: the run stays green
   * while the test fails and turns red once the adapter is fixed, so the entry can be removed.
   * A title that names no test is an error.
   */
  readonly expectedFailures?: readonly string[];
  /** Timeout of each test in milliseconds; the vitest configuration applies when absent. */
  readonly timeout?: number;
  /**
   * How many callers race in the `claimStep` tests and the concurrent-write test (lock and event
   * races use 10).
   *
   * @default 20
   */
  readonly concurrency?: number;
  /**
   * Opens a second adapter on the same store as `closed` (the same file, database and schema),
   * which the suite has just closed. When given, the `durability` group checks that everything
   * written survives a close and reopen; without it, that group is skipped.
   */
  readonly reopen?: (closed: A) => A | Promise<A>;
  /**
   * Called after each test once the adapter is closed, e.g. to delete its file or drop its schema.
   * Receives every adapter the test used (more than one when it reopened the store).
   */
  readonly cleanup?: (adapters: readonly A[]) => void | Promise<void>;
}

/**
 * Registers the conformance suite for an adapter as `describe(`${name} adapter conformance`)`.
 * Call it at the top level of a vitest test file.
 *
 * Each test gets a fresh adapter from `makeAdapter`, started before and closed after the test.
 * The tests cover: batch writes (round trip, replacement by key, atomicity), `claimStep` (allowed
 * states, `startedAt`, racing callers), `findPlans` (filters, order, paging), event queues, messages by
 * name, delayed plans, plan dependencies, step logs, the world registry, locks, `insertPlan` and
 * idempotency keys, flow versions (when the adapter has the optional methods), forward compatibility of
 * stored records (`schemaVersion`, unknown fields), and records that cannot be read (checked when
 * read back with the `check*` and `read*` functions of `flowline/adapter`).
 *
 * @example
 * ```ts
 * // test/my-adapter.conformance.test.ts
 * import { runAdapterConformance } from 'flowline/testing';
 * import { MyAdapter } from '../src/my-adapter.js';
 *
 * runAdapterConformance('MyAdapter', () => new MyAdapter({ url: freshDatabaseUrl() }));
 * ```
 *
 * @param name - what to call the adapter in test names
 * @param makeAdapter - makes a new, empty, not yet started adapter for each test
 * @param options - groups to skip, known failures, timeouts, durability check
 * @typeParam A - the adapter class (inferred from `makeAdapter`)
 */
export function runAdapterConformance<A extends PersistenceAdapter>(
  name: string,
  makeAdapter: AdapterFactory<A>,
  options: AdapterConformanceOptions<A> = {},
): void {
  const { afterEach, beforeEach, describe, it } = vitest();
  const skipped = new Set<ConformanceGroup>(options.skip ?? []);
  const expectedFailures = new Set(options.expectedFailures ?? []);
  const titles = new Set<string>();
  let used: A[] = [];
  const closed = new Set<A>();

  const current = (): A => {
    const adapter = used[used.length - 1];
    if (adapter === undefined) throw new Error('conformance suite: no adapter is open');
    return adapter;
  };

  const harness: ConformanceHarness = {
    concurrency: Math.max(2, options.concurrency ?? 20),
    supports: (group) => !skipped.has(group),
    group(group, title, body, requires = []) {
      // Collect the tests now (vitest runs nested describe bodies later), so that titles are known
      // when expectedFailures is checked.
      const tests: [string, ConformanceTest][] = [];
      body((testTitle, fn) => {
        if (titles.has(testTitle)) {
          throw new Error(`conformance suite: duplicate test title "${testTitle}"`);
        }
        titles.add(testTitle);
        tests.push([testTitle, fn]);
      });
      const skip = skipped.has(group) || (group === 'durability' && options.reopen === undefined);
      describe(title, () => {
        for (const [testTitle, fn] of tests) {
          const testOptions = {
            skip,
            fails: expectedFailures.has(testTitle),
            ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
          };
          it(testTitle, testOptions, async (context) => {
            const adapter = current();
            const missing = requires.filter((method) => typeof adapter[method] !== 'function');
            if (missing.length > 0) {
              context.skip(
                `${name} has no ${missing.join(' or ')} (optional methods): group ${group} skipped`,
              );
            }
            await fn(adapter);
          });
        }
      });
    },
    async reopen() {
      const reopen = options.reopen;
      if (reopen === undefined) throw new Error('conformance suite: no reopen option given');
      const previous = current();
      closed.add(previous);
      await previous.close();
      const next = await reopen(previous);
      used.push(next);
      await next.start();
      return next;
    },
  };

  describe(`${name} adapter conformance`, () => {
    beforeEach(async () => {
      const adapter = await makeAdapter();
      used = [adapter];
      await adapter.start();
    });

    afterEach(async () => {
      const adapters = used;
      used = [];
      const wasClosed = new Set(closed);
      closed.clear();
      try {
        const last = adapters[adapters.length - 1];
        if (last !== undefined && !wasClosed.has(last)) await last.close();
      } finally {
        await options.cleanup?.(adapters);
      }
    });

    registerPlanTests(harness);
    registerQueueTests(harness);
    registerMessageTests(harness);
    registerCoordinationTests(harness);
    registerInsertPlanTests(harness);
    registerUnreadableRecordTests(harness);
    registerFlowVersionTests(harness);

    const unknown = [...expectedFailures].filter((title) => !titles.has(title));
    if (unknown.length > 0) {
      throw new Error(
        `runAdapterConformance(${JSON.stringify(name)}): expectedFailures names no test: ${unknown
          .map((title) => JSON.stringify(title))
          .join(', ')}`,
      );
    }
  });
}
