/**
 * Property: a stored record of any kind, damaged in any of the ways `corruptions.ts` generates and
 * written behind the adapter's back (SQL on a real SQLite file, SQL on the embedded PostgreSQL
 * server, the memory adapter's own `write`), is read back as the contract documents, on every
 * store, and never disturbs the records around it:
 *
 * - plan, action, step: `loadPlan` rejects `INVALID_PLAN` naming the plan; `findPlans` lists it
 *   (marked `invalid` when the plan record itself is damaged); the plan next to it loads intact;
 * - queued event: `takeEvent` returns it marked `invalid`, then the good event behind it; through
 *   the world's adapter wrapper it is dropped with an error log and the good event comes first;
 * - world, lock: listed marked `invalid` with the keys the store keeps; a lock can still be released;
 * - delayed plan: `loadDelayedPlan` rejects `INVALID_PLAN`; `findDueDelayedPlans` lists it marked;
 * - log line: replaced by an `error` line saying it cannot be read, the other lines intact;
 * - dependency: an id that is not a string is left out.
 *
 * Every await is bounded (`within`), so a hang fails with the name of what hung.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import type { PersistenceAdapter } from '../../src/persistence/adapter.js';
import { withStorageRetries } from '../../src/persistence/resilient-adapter.js';
import type { PlanRecord } from '../../src/plan/records.js';
import { systemClock } from '../../src/shared/clock.js';
import { fixtureBatch, makePlanFixture, makePlanRecord } from '../../src/testing/fixtures.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { recordingLogger } from '../helpers/world.js';
import type { Corruption, WholeOptions } from './corruptions.js';
import {
  actionCorruption,
  delayedCorruption,
  eventCorruption,
  lockCorruption,
  logLineCorruption,
  planCorruption,
  stepCorruption,
  worldCorruption,
} from './corruptions.js';
import type { PlanTable, RawStore } from './raw-stores.js';
import { memoryStore, postgresStore, sqliteStore, within } from './raw-stores.js';

const db = useTestDatabase();

/** Runs per property, by store: the in-process stores are cheap, PostgreSQL pays a round trip. */
const RUNS = { memory: 1000, sqlite: 400, postgres: 150 } as const;

type Rec = Record<string, unknown>;
const COUNTS = { actions: 5, steps: 11 };
const T = '2024-05-01T00:00:00.000Z';

async function rejection(promise: Promise<unknown>, what: string): Promise<FlowlineError> {
  let error: unknown;
  try {
    await within(promise, what);
  } catch (caught) {
    error = caught;
  }
  expect(error, `${what} must reject with a FlowlineError`).toBeInstanceOf(FlowlineError);
  return error as FlowlineError;
}

describe.each(['memory', 'sqlite', 'postgres'] as const)(
  'damaged records on the %s store',
  (kind) => {
    let store: RawStore;
    let adapter: PersistenceAdapter;
    let serial = 0;
    const fresh = (prefix: string): string => `${prefix}-${++serial}`;
    const runs = RUNS[kind];

    beforeAll(async () => {
      store =
        kind === 'memory' ? memoryStore() : kind === 'sqlite' ? sqliteStore() : postgresStore(db);
      adapter = store.adapter();
      await adapter.start();
    });
    afterAll(async () => {
      await adapter.close();
      await store.dispose();
    });

    const whole = (): WholeOptions => ({ whole: kind !== 'memory', text: kind === 'sqlite' });
    const holds = (corruption: Corruption, record: Rec): boolean =>
      store.holds(corruption.apply(record));

    const planTarget: Arbitrary<{ table: PlanTable; index: number; corruption: Corruption }> =
      fc.oneof(
        planCorruption(whole()).map((corruption) => ({
          table: 'plan' as const,
          index: 0,
          corruption,
        })),
        fc.record({
          table: fc.constant('action' as const),
          index: fc.integer({ min: 0, max: COUNTS.actions - 1 }),
          corruption: actionCorruption({ ...whole(), keepId: kind === 'memory' }, COUNTS),
        }),
        fc.record({
          table: fc.constant('step' as const),
          index: fc.integer({ min: 0, max: COUNTS.steps - 1 }),
          corruption: stepCorruption({ ...whole(), keepId: kind === 'memory' }, COUNTS),
        }),
      );

    it('a damaged plan, action or step record: loadPlan rejects INVALID_PLAN, findPlans lists it, its neighbour is intact', async () => {
      await fc.assert(
        fc.asyncProperty(planTarget, async ({ table, index, corruption }) => {
          const id = fresh('plan');
          const fixture = makePlanFixture(id);
          const neighbour = makePlanFixture(`${id}-next`);
          const record: Rec =
            table === 'plan'
              ? (fixture.plan as unknown as Rec)
              : ((table === 'action' ? fixture.actions : fixture.steps)[index] as unknown as Rec);
          fc.pre(holds(corruption, record));
          await adapter.write(fixtureBatch(fixture));
          await adapter.write(fixtureBatch(neighbour));
          await store.replace(table, id, index + 1, corruption.apply(record));

          const error = await rejection(adapter.loadPlan(id), 'loadPlan of the damaged plan');
          expect(error.code).toBe('INVALID_PLAN');
          expect(error.planId).toBe(id);
          expect(error.message).toContain(`plan ${id} cannot be loaded`);
          expect(await within(adapter.loadPlan(neighbour.plan.id), 'loadPlan')).toEqual(neighbour);

          const listed = await within(adapter.findPlans({ limit: 2 }), 'findPlans');
          expect(listed.map((plan) => plan.id)).toEqual([neighbour.plan.id, id]);
          expect(listed[0]).toEqual(neighbour.plan);
          const damaged = listed[1] as PlanRecord;
          if (table !== 'plan') {
            expect(damaged).toEqual(fixture.plan);
          } else if (corruption.linksOnly) {
            expect(damaged).toEqual((corruption.apply(record) as { json: unknown }).json);
          } else {
            expect(damaged.invalid?.code).toBe('INVALID_PLAN');
            expect(damaged.invalid?.message).toContain(`plan ${id}`);
          }
        }),
        { numRuns: runs },
      );
    });

    it('a damaged queued event: taken marked invalid, then the good one; the world wrapper drops it with an error log', async () => {
      const logger = recordingLogger();
      const wrapped = withStorageRetries(adapter, systemClock, logger);
      await fc.assert(
        fc.asyncProperty(
          eventCorruption({ ...whole(), keepKeys: kind === 'memory' }),
          fc.boolean(),
          async (corruption, throughWorld) => {
            const planId = fresh('events');
            const bad = { id: `${planId}-bad`, planId, stepId: 7, payload: { n: 1 }, createdAt: T };
            const good = {
              id: `${planId}-good`,
              planId,
              stepId: 7,
              payload: [1, 'ü'],
              createdAt: T,
            };
            fc.pre(holds(corruption, bad));
            await store.insertEvent(planId, 7, corruption.apply(bad));
            await adapter.enqueueEvent(good);
            if (throughWorld) {
              logger.entries.length = 0;
              expect(await within(wrapped.takeEvent(planId, 7), 'takeEvent')).toEqual(good);
              expect(logger.entries).toHaveLength(1);
              expect(logger.entries[0]?.level).toBe('error');
              expect(logger.entries[0]?.message).toContain(`step 7 of plan ${planId}`);
            } else {
              const taken = await within(adapter.takeEvent(planId, 7), 'takeEvent');
              expect(taken).toMatchObject({ planId, stepId: 7, payload: null });
              expect(taken?.invalid?.code).toBe('INVALID_PLAN');
              expect(taken?.invalid?.message).toContain(`step 7 of plan ${planId}`);
              expect(await within(adapter.takeEvent(planId, 7), 'takeEvent')).toEqual(good);
            }
            expect(await within(adapter.takeEvent(planId, 7), 'takeEvent')).toBeUndefined();
          },
        ),
        { numRuns: runs },
      );
    });

    it('a damaged world or lock record: listed marked invalid with its keys; the lock can be released', async () => {
      await fc.assert(
        fc.asyncProperty(
          worldCorruption(whole()),
          lockCorruption(whole()),
          async (worldDamage, lockDamage) => {
            const id = fresh('world');
            const world = { id, host: 'h', pid: 42, executor: true, startedAt: T, heartbeatAt: T };
            const lock = { key: `lock:${id}`, ownerId: id, planId: 'p', acquiredAt: T };
            fc.pre(holds(worldDamage, world) && holds(lockDamage, lock));
            const good = { ...world, id: `${id}-good` };
            await adapter.registerWorld(good);
            await store.insertWorld(id, T, worldDamage.apply(world));
            await store.insertLock(lock.key, id, 'p', lockDamage.apply(lock));

            const worlds = (await within(adapter.findWorlds(), 'findWorlds')).filter((w) =>
              w.id.startsWith(id),
            );
            expect(worlds.map((w) => w.id).sort()).toEqual([id, `${id}-good`]);
            expect(worlds.find((w) => w.id === good.id)).toEqual(good);
            const damaged = worlds.find((w) => w.id === id);
            expect(damaged?.invalid?.message).toContain(`world ${id}`);
            expect(damaged?.heartbeatAt).toBe(T);

            const [listedLock, ...others] = await within(adapter.findLocks(id), 'findLocks');
            expect(others).toEqual([]);
            expect(listedLock).toMatchObject({ key: lock.key, ownerId: id });
            expect(listedLock?.invalid?.message).toContain(`lock ${lock.key}`);
            await within(adapter.releaseLock(lock.key, id), 'releaseLock');
            expect(await within(adapter.findLocks(id), 'findLocks')).toEqual([]);
            await adapter.unregisterWorld(id);
            await adapter.unregisterWorld(good.id);
          },
        ),
        { numRuns: Math.ceil(runs / 2) },
      );
    });

    it('a damaged delayed-plan record: loadDelayedPlan rejects INVALID_PLAN, findDueDelayedPlans lists it marked invalid', async () => {
      await fc.assert(
        fc.asyncProperty(delayedCorruption(whole()), async (corruption) => {
          const id = fresh('delayed');
          const scheduled = (planId: string): PlanRecord =>
            makePlanRecord(planId, {
              state: 'scheduled',
              runFlow: { type: 'concurrence', flows: [] },
            });
          const record = { planId: id, startAt: T, args: ['a'], frozen: false };
          const good = { ...record, planId: `${id}-good` };
          fc.pre(holds(corruption, record));
          await adapter.write({
            plans: [scheduled(id), scheduled(good.planId)],
            delayedPlans: [good],
          });
          await store.replaceDelayed(id, T, corruption.apply(record));

          const error = await rejection(adapter.loadDelayedPlan(id), 'loadDelayedPlan');
          expect(error.code).toBe('INVALID_PLAN');
          expect(error.planId).toBe(id);
          expect(await within(adapter.loadDelayedPlan(good.planId), 'loadDelayedPlan')).toEqual(
            good,
          );
          const due = (
            await within(adapter.findDueDelayedPlans('2999-01-01T00:00:00.000Z'), 'findDue')
          ).filter((r) => r.planId.startsWith(id));
          // Due at the same time: in the order they were first written.
          expect(due.map((r) => r.planId)).toEqual([good.planId, id]);
          expect(due[0]).toEqual(good);
          expect(due[1]).toMatchObject({ planId: id, startAt: T, frozen: false });
          expect(due[1]?.invalid?.code).toBe('INVALID_PLAN');
          await adapter.write({ deleteDelayedPlans: [id, good.planId] });
        }),
        { numRuns: Math.ceil(runs / 2) },
      );
    });

    it('a damaged log line: replaced by an error line saying so, the lines around it intact', async () => {
      await fc.assert(
        fc.asyncProperty(logLineCorruption(whole()), async (corruption) => {
          const planId = fresh('logs');
          const line = (message: string) => ({
            planId,
            stepId: 3,
            at: T,
            level: 'info' as const,
            message,
          });
          const bad = line('bad');
          fc.pre(holds(corruption, bad));
          await adapter.appendLogs([line('first')]);
          await store.insertLog(planId, 3, corruption.apply(bad));
          await adapter.appendLogs([line('last')]);
          for (const stepId of [undefined, 3]) {
            const lines = await within(adapter.loadLogs(planId, stepId), 'loadLogs');
            expect(lines).toHaveLength(3);
            expect(lines[0]).toEqual(line('first'));
            expect(lines[2]).toEqual(line('last'));
            expect(lines[1]).toMatchObject({ planId, stepId: 3, level: 'error' });
            expect(lines[1]?.message).toContain(
              `log line of step 3 of plan ${planId} cannot be read`,
            );
          }
        }),
        { numRuns: Math.ceil(runs / 2) },
      );
    });

    // PostgreSQL keeps dependencies in text columns, which hold nothing but strings.
    if (kind === 'postgres') return;
    it('a dependency whose id is not a string is left out', async () => {
      const blobOrNumber =
        kind === 'sqlite'
          ? fc.uint8Array({ maxLength: 4 }).map((bytes) => Buffer.from(bytes))
          : fc.integer();
      await fc.assert(
        fc.asyncProperty(blobOrNumber, async (dependsOn) => {
          const planId = fresh('chained');
          await adapter.write({ dependencies: [{ planId, dependsOn: `${planId}-first` }] });
          await store.insertDependency(planId, dependsOn);
          expect(await within(adapter.findDependencies(planId), 'findDependencies')).toEqual([
            `${planId}-first`,
          ]);
        }),
        { numRuns: Math.ceil(runs / 4) },
      );
    });
  },
);
