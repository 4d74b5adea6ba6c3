/**
 * Property: whatever damage `corruptions.ts` does to one record of a plan (its plan record, one of
 * its actions or steps), written raw into the store while the plan is left `running` by a world
 * that closed, a new World on that store:
 *
 * - starts (the damaged plan is recovered by nobody: an error is logged instead);
 * - lists every plan, the damaged one marked invalid (`INVALID_PLAN`), the others as they are;
 * - rejects `executionPlan`, `resume`, `halt`, `cancel`, `skipStep`, `event` and `execute` on it
 *   with `INVALID_PLAN` at once, never a raw error, never a hang;
 * - runs the other plans: a paused one resumes (and pauses again), a new one succeeds.
 *
 * A fresh store per run; every await is bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Action, FlowlineError, World } from '../../src/index.js';
import type { ExecutionPlan, JsonValue } from '../../src/index.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { recordingLogger } from '../helpers/world.js';
import { actionCorruption, planCorruption, stepCorruption } from '../persistence/corruptions.js';
import type { Corruption } from '../persistence/corruptions.js';
import type { PlanTable, RawStore } from '../persistence/raw-stores.js';
import { memoryStore, postgresStore, sqliteStore, within } from '../persistence/raw-stores.js';

class Ok extends Action {
  run() {
    this.output.ok = true;
  }
}

class Fails extends Action {
  run() {
    throw new Error('boom');
  }
}

class Waits extends Action {
  run(event?: JsonValue) {
    if (event === undefined) this.suspend();
    this.output.got = event ?? null;
  }
}

/** A plan of several actions: a root with no run step, then one that runs and one that waits. */
class Pair extends Action {
  override plan() {
    this.sequence(() => {
      this.planAction(Ok);
      this.planAction(Waits);
    });
  }
}

const ACTIONS = [Ok, Fails, Waits, Pair];
const RUNS = { memory: 300, sqlite: 80, postgres: 20 } as const;
/** Upper bounds of the damaged plan's actions and steps, for ids certainly out of range. */
const COUNTS = { actions: 10, steps: 20 };
const db = useTestDatabase();

type Rec = Record<string, unknown>;

async function flowlineRejection(promise: Promise<unknown>, what: string): Promise<FlowlineError> {
  let error: unknown;
  try {
    await within(promise, what);
  } catch (caught) {
    error = caught;
  }
  expect(error, `${what} must reject with a FlowlineError`).toBeInstanceOf(FlowlineError);
  return error as FlowlineError;
}

/** The plan once step `stepId` is suspended (driven by `step:state` events). */
function suspended(world: World, id: string, stepId: number): Promise<ExecutionPlan> {
  return within(
    new Promise<ExecutionPlan>((resolve, reject) => {
      const check = (): void => {
        world.executionPlan(id).then((plan) => {
          if (plan?.steps[stepId - 1]?.state === 'suspended') {
            off();
            resolve(plan);
          }
        }, reject);
      };
      const off = world.on('step:state', (event) => {
        if (event.planId === id) check();
      });
      check();
    }),
    `step ${stepId} of plan ${id} suspending`,
  );
}

describe.each(['memory', 'sqlite', 'postgres'] as const)('a World on a %s store', (kind) => {
  const make = (): RawStore =>
    kind === 'memory' ? memoryStore() : kind === 'sqlite' ? sqliteStore() : postgresStore(db);
  const whole = { whole: kind !== 'memory', text: kind === 'sqlite', keepId: kind === 'memory' };
  const damage: fc.Arbitrary<{ table: PlanTable; pick: number; corruption: Corruption }> = fc.oneof(
    planCorruption(whole).map((corruption) => ({ table: 'plan' as const, pick: 0, corruption })),
    fc.record({
      table: fc.constant('action' as const),
      pick: fc.nat(),
      corruption: actionCorruption(whole, COUNTS),
    }),
    fc.record({
      table: fc.constant('step' as const),
      pick: fc.nat(),
      corruption: stepCorruption(whole, COUNTS),
    }),
  );

  it('starts, lists the damaged plan as invalid, refuses every operation on it, runs the others', async () => {
    await fc.assert(
      fc.asyncProperty(damage, async ({ table, pick, corruption }) => {
        const store = make();
        try {
          await scenario(store, table, pick, corruption);
        } finally {
          await store.dispose();
        }
      }),
      { numRuns: RUNS[kind] },
    );
  }, 240_000);
});

async function scenario(
  store: RawStore,
  table: PlanTable,
  pick: number,
  corruption: Corruption,
): Promise<void> {
  const options = { actions: ACTIONS, logger: recordingLogger() };
  const first = new World({ ...options, adapter: store.adapter() });
  await within(first.start(), 'first world start()');
  let target: ExecutionPlan;
  let paused: ExecutionPlan;
  let done: ExecutionPlan;
  try {
    done = await within(first.trigger(Ok).finished, 'a plan');
    paused = await within(first.trigger(Fails).finished, 'a failing plan');
    const triggered = first.trigger(Pair);
    const planned = await within(triggered.planned, 'planning Pair');
    const waiting = planned.steps.find(
      (step) => step.phase === 'run' && planned.actions[step.actionId - 1]?.className === 'Waits',
    );
    target = await suspended(first, triggered.id, waiting?.id ?? 0);
  } finally {
    await within(first.close(), 'first world close()');
  }
  expect(target.state).toBe('running');

  // The stored record to damage, read back as it is.
  const reader = store.adapter();
  await reader.start();
  const stored = await reader.loadPlan(target.id);
  if (store.kind !== 'memory') await reader.close();
  if (stored === undefined) throw new Error('the plan is not stored');
  const list = table === 'action' ? stored.actions : stored.steps;
  const index = table === 'plan' ? 0 : pick % list.length;
  const record = (table === 'plan' ? stored.plan : list[index]) as unknown as Rec;
  const data = corruption.apply(record);
  fc.pre(store.holds(data));
  await store.replace(table, target.id, index + 1, data);

  const logger = recordingLogger();
  const world = new World({ ...options, logger, adapter: store.adapter() });
  await within(world.start(), 'world.start()');
  try {
    const listed = await within(world.executionPlans(), 'executionPlans()');
    expect(listed.map((plan) => plan.id)).toEqual([target.id, paused.id, done.id]);
    expect(listed[0]?.invalid?.code, corruption.what).toBe('INVALID_PLAN');
    expect(listed[1]).toMatchObject({ state: 'paused', result: 'error' });
    expect(listed[1]?.invalid).toBeUndefined();
    expect(listed[2]).toMatchObject({ state: 'stopped', result: 'success' });

    const stepId = target.steps.find((step) => step.phase === 'run')?.id ?? 2;
    const operations: [string, () => Promise<unknown>][] = [
      ['executionPlan', () => world.executionPlan(target.id)],
      ['resume', () => world.resume(target.id)],
      ['rollback', () => world.rollback(target.id)],
      ['halt', () => world.halt(target.id)],
      ['cancel', () => world.cancel(target.id)],
      ['skipStep', () => world.skipStep(target.id, stepId)],
      ['event', () => world.event(target.id, stepId, { x: 1 })],
      ['execute', () => world.execute(target.id)],
    ];
    for (const [name, call] of operations) {
      const error = await flowlineRejection(call(), `${name}() of the damaged plan`);
      expect(error.code, `${name}: ${corruption.what}`).toBe('INVALID_PLAN');
      expect(error.message).toContain(`plan ${target.id}`);
    }

    const again = await within(world.resume(paused.id), 'resume() of the paused plan');
    expect(again).toMatchObject({ state: 'paused', result: 'error' });
    expect((await within(world.trigger(Ok).finished, 'a new plan')).result).toBe('success');
  } finally {
    await within(world.close(), 'world.close()');
  }
}
