/**
 * No stored record can stop a world or hide other plans (DESIGN §4), on each store: a row that is
 * not JSON, or JSON with the wrong content, written behind the adapter's back.
 *
 * - one unreadable plan row: the world starts, lists every plan (that one marked invalid), and
 *   `flowline plans` lists it too;
 * - one unreadable `running` plan or `worlds` row: the world starts, logs an error naming the
 *   record, and a dead world whose row cannot be read is still invalidated;
 * - valid JSON with the wrong content (a bogus step state, an empty step, a history that is no
 *   list): the plan is refused as invalid at once by every operation, never a raw error or a hang;
 * - a corrupt queued event is dropped with an error log, and the next good event is delivered.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Action, World } from '../../src/index.js';
import type { ExecutionPlan, JsonValue, PersistenceAdapter } from '../../src/index.js';
import { listPlans } from '../../src/cli/commands/plans.js';
import { runCli } from '../cli/helpers.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { expectFlowlineError, recordingLogger, rejectionOf } from '../helpers/world.js';
import type { RawData, RawStore } from '../persistence/raw-stores.js';
import { memoryStore, postgresStore, sqliteStore, within } from '../persistence/raw-stores.js';

const received: JsonValue[] = [];
/** Calls of `Waits.run`: a corrupt event must never make one. */
let waitsCalls = 0;

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
    waitsCalls++;
    if (event === undefined) this.suspend();
    received.push(event ?? null);
    this.output.got = event ?? null;
  }
}

const ACTIONS = [Ok, Fails, Waits];
const db = useTestDatabase();
const stores: RawStore[] = [];
const worlds: World[] = [];

afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close().catch(() => undefined);
  for (const store of stores.splice(0)) await store.dispose();
  received.length = 0;
  waitsCalls = 0;
});

const makers: Record<RawStore['kind'], () => RawStore> = {
  memory: memoryStore,
  sqlite: sqliteStore,
  postgres: () => postgresStore(db),
};

function fresh(kind: RawStore['kind']): RawStore {
  const store = makers[kind]();
  stores.push(store);
  return store;
}

/** A started world on the store; closed after the test. */
async function worldOn(
  store: RawStore,
  logger = recordingLogger(),
  options: { heartbeatTimeoutMs?: number } = {},
): Promise<World> {
  const world = new World({ adapter: store.adapter(), actions: ACTIONS, logger, ...options });
  worlds.push(world);
  await within(world.start(), 'world.start()');
  return world;
}

async function closeAll(): Promise<void> {
  for (const world of worlds.splice(0)) await within(world.close(), 'world.close()');
}

/** A plan record no store can read: not JSON in SQLite, JSON of the wrong kind elsewhere. */
function unreadablePlanRecord(store: RawStore, plan: ExecutionPlan): RawData {
  if (store.kind === 'sqlite') return { text: `{"id": "${plan.id}", "label": "trunc` };
  if (store.kind === 'postgres') return { json: 42 };
  // The memory store keeps records by id: the record keeps it (and its state), but its history
  // is no list.
  const { actions: _a, steps: _s, ...record } = plan;
  return { json: { ...record, schemaVersion: 1, history: 42 } };
}

describe.each(['memory', 'sqlite', 'postgres'] as const)('on the %s store', (kind) => {
  it('one unreadable plan row hides no plan: it is listed as invalid, the others as they are', async () => {
    const store = fresh(kind);
    const world = await worldOn(store);
    const ok = await world.trigger(Ok).finished;
    const paused = await world.trigger(Fails).finished;
    const later = await world.trigger(Ok).finished;
    await store.replace('plan', paused.id, 0, unreadablePlanRecord(store, paused));

    const listed = await within(world.executionPlans(), 'executionPlans()');
    expect(listed.map((plan) => plan.id)).toEqual([later.id, paused.id, ok.id]);
    expect(listed[0]?.invalid).toBeUndefined();
    expect(listed[2]?.invalid).toBeUndefined();
    expect(listed[1]?.invalid?.code).toBe('INVALID_PLAN');
    expect(listed[1]?.invalid?.message).toContain(`plan ${paused.id}`);
    const error = expectFlowlineError(
      await rejectionOf(within(world.executionPlan(paused.id), 'executionPlan()')),
      'INVALID_PLAN',
    );
    expect(error.planId).toBe(paused.id);

    const adapter = store.adapter();
    await adapter.start();
    try {
      const summaries = await within(listPlans(adapter, {}), 'listPlans()');
      expect(summaries.map((plan) => [plan.id, plan.invalid?.code])).toEqual([
        [later.id, undefined],
        [paused.id, 'INVALID_PLAN'],
        [ok.id, undefined],
      ]);
    } finally {
      if (store.kind !== 'memory') await adapter.close();
    }
  });

  it('one unreadable running plan does not stop a world from starting; it is shown as invalid', async () => {
    const store = fresh(kind);
    const first = await worldOn(store);
    const running = await suspended(first, first.trigger(Waits).id);
    await closeAll(); // the plan stays running (its step suspended), for the next world to recover
    await store.replace('plan', running.id, 0, unreadablePlanRecord(store, running));

    const logger = recordingLogger();
    const world = await worldOn(store, logger);
    const errors = logger.entries.filter((entry) => entry.level === 'error');
    expect(errors.map((entry) => entry.message).join('\n')).toContain(running.id);
    const [listed] = await within(world.executionPlans(), 'executionPlans()');
    expect(listed?.invalid?.code).toBe('INVALID_PLAN');
    expectFlowlineError(
      await rejectionOf(within(world.executionPlan(running.id), 'executionPlan()')),
      'INVALID_PLAN',
    );
    expect((await within(world.trigger(Ok).finished, 'a new plan')).result).toBe('success');
  });

  it('a dead world whose row cannot be read is invalidated: its locks go and its plans are recovered', async () => {
    const store = fresh(kind);
    const first = await worldOn(store);
    const running = await suspended(first, first.trigger(Waits).id);
    await closeAll();
    // A world that died holding the plan's execution lock, whose registry row is damaged.
    const old = new Date(Date.now() - 3600_000).toISOString();
    const ghost = kind === 'sqlite' ? { text: '{"id": "ghost", "host' } : { json: { id: 'ghost' } };
    await store.insertWorld('ghost', old, ghost);
    await store.insertLock(`execution-plan:${running.id}`, 'ghost', running.id, {
      json: {
        key: `execution-plan:${running.id}`,
        ownerId: 'ghost',
        planId: running.id,
        acquiredAt: old,
      },
    });

    const logger = recordingLogger();
    const world = await worldOn(store, logger);
    expect(
      logger.entries.some((entry) => entry.level === 'error' && entry.message.includes('ghost')),
    ).toBe(true);
    expect((await world.worlds()).map((w) => w.id)).toEqual([world.id]);
    // Recovered here: the suspended step takes an event and the plan finishes.
    await within(world.event(running.id, 2, { go: true }), 'event()');
    const done = await within(waitForState(world, running.id, 'stopped'), 'the recovered plan');
    expect(done.result).toBe('success');
  });

  it('a world row that cannot be read but heartbeats is kept until its heartbeat is late', async () => {
    const store = fresh(kind);
    const now = new Date().toISOString();
    // Readable as far as its heartbeat goes (the SQL stores keep it in a column of its own).
    const data =
      kind === 'sqlite' ? { text: 'not json' } : { json: { id: 'alive', heartbeatAt: now } };
    await (await worldOn(store)).close();
    worlds.length = 0;
    await store.insertWorld('alive', now, data);
    const world = await worldOn(store);
    const listed = await world.worlds();
    expect(listed.map((w) => w.id).sort()).toEqual(['alive', world.id].sort());
    const alive = listed.find((w) => w.id === 'alive');
    expect(alive?.invalid?.message).toContain('world alive');
    expect(alive?.heartbeatAt).toBe(now);
  });

  describe.each([
    ['a step state "bogus"', (step: Record<string, unknown>) => ({ ...step, state: 'bogus' })],
    ['a step record {}', () => ({})],
    ['a history that is no list', undefined],
  ] as const)('valid JSON with the wrong content: %s', (_, damageStep) => {
    it('the plan is invalid, and every operation on it rejects INVALID_PLAN at once', async () => {
      const store = fresh(kind);
      const world = await worldOn(store);
      const paused = await world.trigger(Fails).finished;
      expect(paused.state).toBe('paused');
      const failed = paused.steps.find((step) => step.phase === 'run') as ExecutionPlan['steps'][0];
      if (damageStep === undefined) {
        const { actions: _a, steps: _s, ...record } = paused;
        await store.replace('plan', paused.id, 0, {
          json: { ...record, schemaVersion: 1, history: 'not a list' },
        });
      } else {
        await store.replace('step', paused.id, failed.id, { json: damageStep(failed as never) });
      }

      const [listed] = await within(world.executionPlans(), 'executionPlans()');
      expect(listed?.invalid?.code).toBe('INVALID_PLAN');
      const operations: [string, () => Promise<unknown>][] = [
        ['executionPlan', () => world.executionPlan(paused.id)],
        ['resume', () => world.resume(paused.id)],
        ['halt', () => world.halt(paused.id)],
        ['pause', () => world.pause(paused.id)],
        ['cancel', () => world.cancel(paused.id)],
        ['skipStep', () => world.skipStep(paused.id, failed.id)],
        ['event', () => world.event(paused.id, failed.id, { x: 1 })],
        ['execute', () => world.execute(paused.id)],
      ];
      for (const [name, call] of operations) {
        const error = expectFlowlineError(
          await rejectionOf(within(call(), `${name}()`)),
          'INVALID_PLAN',
        );
        expect(error.message, name).toContain(`plan ${paused.id}`);
      }
      expect((await within(world.trigger(Ok).finished, 'a new plan')).result).toBe('success');
    });
  });

  it('a delayed plan whose record cannot be read is reported and stays scheduled; the others start; cancel stops it', async () => {
    const store = fresh(kind);
    const planner = new World({
      adapter: store.adapter(),
      actions: ACTIONS,
      logger: recordingLogger(),
      scheduler: false,
    });
    await within(planner.start(), 'planner start()');
    const startAt = new Date(Date.now() - 1000).toISOString();
    const bad = await within(planner.delay(Ok, { startAt }), 'delay()');
    const good = await within(planner.delay(Ok, { startAt }), 'delay()');
    await within(planner.close(), 'planner close()');
    const data: RawData =
      kind === 'sqlite'
        ? { text: '{"planId": "' }
        : { json: { planId: bad.id, startAt, args: 'not a list', frozen: false } };
    await store.replaceDelayed(bad.id, startAt, data);

    const logger = recordingLogger();
    const world = await worldOn(store, logger);
    expect((await waitForState(world, good.id, 'stopped')).result).toBe('success');
    const reported = logger.entries.filter(
      (entry) => entry.level === 'error' && entry.message.includes(bad.id),
    );
    expect(reported).toHaveLength(1);
    expect(String((reported[0]?.meta?.error as Error | undefined)?.message)).toContain(
      'delayed-plan record',
    );
    expect((await world.executionPlan(bad.id))?.state).toBe('scheduled');
    await within(world.cancel(bad.id), 'cancel()');
    expect(await world.executionPlan(bad.id)).toMatchObject({
      state: 'stopped',
      result: 'cancelled',
    });
  });

  it('a corrupt queued event is dropped with an error log; the next good event is delivered', async () => {
    const store = fresh(kind);
    const logger = recordingLogger();
    const world = await worldOn(store, logger);
    const plan = await suspended(world, world.trigger(Waits).id);
    const bad: RawData =
      kind === 'sqlite'
        ? { text: '{"payload": trunc' }
        : { json: { id: 'bad', planId: plan.id, stepId: 2, createdAt: 'T' } }; // no payload
    await store.insertEvent(plan.id, 2, bad);
    await within(world.event(plan.id, 2, { good: 1 }), 'event()');
    const done = await within(waitForState(world, plan.id, 'stopped'), 'the plan');
    expect(done.result).toBe('success');
    expect(received).toEqual([{ good: 1 }]);
    expect(waitsCalls, 'run() was called on the first run and for the good event only').toBe(2);
    const dropped = logger.entries.filter((entry) => entry.message.includes('unreadable event'));
    expect(dropped).toHaveLength(1);
    expect(dropped[0]?.level).toBe('error');
    expect(dropped[0]?.message).toContain(`step 2 of plan ${plan.id}`);
  });

  it('a corrupt event alone leaves the step suspended for the next good event, after a restart too', async () => {
    const store = fresh(kind);
    const first = await worldOn(store);
    const plan = await suspended(first, first.trigger(Waits).id);
    await closeAll();
    const bad: RawData =
      kind === 'sqlite'
        ? { text: '[' }
        : { json: { planId: plan.id, stepId: 2, payload: undefined } };
    await store.insertEvent(plan.id, 2, bad);
    const logger = recordingLogger();
    const world = await worldOn(store, logger); // recovery wakes the suspended step
    const step = await within(stepState(world, plan.id, 2), 'the step');
    expect(step).toBe('suspended');
    await within(world.event(plan.id, 2, 'go'), 'event()');
    expect((await within(waitForState(world, plan.id, 'stopped'), 'the plan')).result).toBe(
      'success',
    );
    expect(received).toEqual(['go']);
    expect(waitsCalls, 'run() was called on the first run and for the good event only').toBe(2);
  });
});

describe('flowline plans on a SQLite store with one unreadable plan row', () => {
  it('lists it with invalid and exits 0', async () => {
    const store = fresh('sqlite');
    const world = await worldOn(store);
    const good = await world.trigger(Ok).finished;
    const bad = await world.trigger(Ok).finished;
    await closeAll();
    await store.replace('plan', bad.id, 0, { text: 'garbage' });
    const adapter = store.adapter() as PersistenceAdapter & { filename: string };
    const result = await runCli(['plans', '--store', `sqlite:${adapter.filename}`, '--json']);
    expect(result.code).toBe(0);
    const plans = JSON.parse(result.stdout) as { id: string; invalid?: { code: string } }[];
    expect(plans.map((plan) => [plan.id, plan.invalid?.code])).toEqual([
      [bad.id, 'INVALID_PLAN'],
      [good.id, undefined],
    ]);
  });
});

/** The plan once it is in `state` (driven by `plan:state` events). */
async function waitForState(
  world: World,
  id: string,
  state: ExecutionPlan['state'],
): Promise<ExecutionPlan> {
  return within(
    new Promise<ExecutionPlan>((resolve, reject) => {
      const check = (): void => {
        world.executionPlan(id).then((plan) => {
          if (plan?.state === state) {
            off();
            resolve(plan);
          }
        }, reject);
      };
      const off = world.on('plan:state', (event) => {
        if (event.planId === id) check();
      });
      check();
    }),
    `plan ${id} reaching ${state}`,
  );
}

/** The plan once its run step (step 2) is suspended. */
async function suspended(world: World, id: string): Promise<ExecutionPlan> {
  return within(
    new Promise<ExecutionPlan>((resolve, reject) => {
      const check = (): void => {
        world.executionPlan(id).then((plan) => {
          if (plan?.steps[1]?.state === 'suspended') {
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
    `step 2 of plan ${id} suspending`,
  );
}

/** The stored state of a step. */
async function stepState(world: World, planId: string, stepId: number): Promise<string> {
  const plan = await world.executionPlan(planId);
  return plan?.steps[stepId - 1]?.state ?? 'missing';
}
