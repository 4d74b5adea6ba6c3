import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { JsonValue, PersistenceAdapter, StepRecord, WorldOptions } from '../../src/index.js';
import { Action, ErrorCode, MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { deferred, expectFlowlineError, planReaching, thrownBy } from '../helpers/world.js';

/** A pid no process on this host has (beyond the Linux pid range). */
const DEAD_PID = 4_194_304 + 17;

let runs: Record<string, number> = {};

class Idempotent extends Action {
  static override readonly idempotent = true;
  run() {
    runs.idempotent = (runs.idempotent ?? 0) + 1;
  }
}

class Fragile extends Action {
  run() {
    runs.fragile = (runs.fragile ?? 0) + 1;
  }
  finalize() {
    runs.finalize = (runs.finalize ?? 0) + 1;
  }
}

class Waiter extends Action {
  run(event?: JsonValue) {
    if (event === undefined) this.suspend();
    this.output.got = event ?? null;
  }
}

class Pair extends Action {
  override plan(kind: 'idempotent' | 'fragile' | 'waiter') {
    this.sequence(() => {
      if (kind === 'idempotent') this.planAction(Idempotent);
      if (kind === 'fragile') this.planAction(Fragile);
      if (kind === 'waiter') this.planAction(Waiter);
      this.planAction(Fragile);
    });
  }
}

const actions = [Idempotent, Fragile, Waiter, Pair];

/**
 * Leaves the store as a world that died mid-step would: the plan `running`, its first run step
 * `running`, the execution lock held by a registered world whose process is gone.
 */
async function leaveCrashedPlan(
  adapter: PersistenceAdapter,
  kind: 'idempotent' | 'fragile',
  dead: { host: string; pid: number; heartbeatAt: string },
): Promise<string> {
  const planner = new World({ adapter, actions, executor: false, logger: silentLogger });
  await planner.start();
  const planned = await planner.plan(Pair, kind);
  await planner.close();
  const stored = await adapter.loadPlan(planned.id);
  if (stored === undefined) throw new Error('plan not stored');
  const step = stored.steps.find((s) => s.phase === 'run') as StepRecord;
  step.state = 'running';
  step.startedAt = new Date().toISOString();
  await adapter.write({
    plans: [{ ...stored.plan, state: 'running' }],
    steps: [{ planId: planned.id, record: step }],
  });
  await adapter.registerWorld({
    id: 'dead-world',
    ...dead,
    executor: true,
    startedAt: dead.heartbeatAt,
  });
  await adapter.acquireLock({
    key: `execution-plan:${planned.id}`,
    ownerId: 'dead-world',
    planId: planned.id,
    acquiredAt: dead.heartbeatAt,
  });
  return planned.id;
}

const sameHostDead = () => ({
  host: os.hostname(),
  pid: DEAD_PID,
  heartbeatAt: new Date().toISOString(),
});

describe('recovery of plans left running by a world that is gone', () => {
  it('a world on this host whose process is gone is invalidated at start, its idempotent step runs again', async () => {
    runs = {};
    const adapter = new MemoryAdapter();
    const id = await leaveCrashedPlan(adapter, 'idempotent', sameHostDead());
    const world = new World({ adapter, actions, logger: silentLogger });
    await world.start();
    try {
      const plan = await planReaching(world, id);
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(runs).toEqual({ idempotent: 1, fragile: 1, finalize: 1 });
      expect((await adapter.findWorlds()).map((w) => w.id)).toEqual([world.id]);
      expect(plan.history.map((h) => h.event)).toContain('recover execution');
    } finally {
      await world.close();
    }
  });

  it('a non-idempotent interrupted step becomes an ABNORMAL_TERMINATION error that resume fixes', async () => {
    runs = {};
    const adapter = new MemoryAdapter();
    const id = await leaveCrashedPlan(adapter, 'fragile', sameHostDead());
    const world = new World({ adapter, actions, logger: silentLogger });
    await world.start();
    try {
      const paused = await planReaching(world, id);
      expect(paused.state).toBe('paused');
      expect(paused.result).toBe('error');
      const failed = paused.steps.find((s) => s.state === 'error');
      expect(failed?.error?.code).toBe('ABNORMAL_TERMINATION');
      expect(runs).toEqual({});
      const done = await world.resume(id);
      expect(done.state).toBe('stopped');
      expect(done.result).toBe('success');
      expect(runs).toEqual({ fragile: 2, finalize: 2 });
    } finally {
      await world.close();
    }
  });

  it('a world on another host is invalidated only once its heartbeat is older than the timeout', async () => {
    runs = {};
    const adapter = new MemoryAdapter();
    const fresh = { host: 'elsewhere', pid: 1, heartbeatAt: new Date().toISOString() };
    const id = await leaveCrashedPlan(adapter, 'idempotent', fresh);
    const world = new World({ adapter, actions, logger: silentLogger, heartbeatTimeoutMs: 60_000 });
    await world.start();
    try {
      expect((await world.executionPlan(id))?.state).toBe('running');
      expect(runs).toEqual({});
      expect((await adapter.findWorlds()).map((w) => w.id).sort()).toEqual(
        ['dead-world', world.id].sort(),
      );
    } finally {
      await world.close();
    }
    const stale = new Date(Date.now() - 120_000).toISOString();
    await adapter.registerWorld({
      ...(await adapter.findWorlds())[0]!,
      id: 'dead-world',
      heartbeatAt: stale,
    });
    const later = new World({ adapter, actions, logger: silentLogger, heartbeatTimeoutMs: 60_000 });
    await later.start();
    try {
      const plan = await planReaching(later, id);
      expect(plan.result).toBe('success');
      expect(runs.idempotent).toBe(1);
    } finally {
      await later.close();
    }
  });

  it('two worlds starting at once recover the plan only once', async () => {
    runs = {};
    const adapter = new MemoryAdapter();
    const id = await leaveCrashedPlan(adapter, 'idempotent', sameHostDead());
    const a = new World({ adapter, actions, logger: silentLogger });
    const b = new World({ adapter, actions, logger: silentLogger });
    await Promise.all([a.start(), b.start()]);
    try {
      const plan = await planReaching(a, id);
      expect(plan.result).toBe('success');
      expect(runs).toEqual({ idempotent: 1, fragile: 1, finalize: 1 });
      expect(plan.history.filter((h) => h.event === 'recover execution')).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a plan with a suspended step, left by a closed world, is picked up by the next one and woken', async () => {
    runs = {};
    const adapter = new MemoryAdapter();
    const first = new World({ adapter, actions, logger: silentLogger });
    await first.start();
    const suspended = deferred();
    first.on('step:state', (e) => {
      if (e.state === 'suspended') suspended.resolve();
    });
    const triggered = first.trigger(Pair, 'waiter');
    await suspended.promise;
    await first.close();
    expect((await adapter.findLocks(first.id)).length).toBe(0);

    const second = new World({ adapter, actions, logger: silentLogger });
    await second.start();
    try {
      const plan = await second.executionPlan(triggered.id);
      const step = plan?.steps.find((s) => s.state === 'suspended') as StepRecord;
      await second.event(triggered.id, step.id, 'woken');
      const done = await planReaching(second, triggered.id);
      expect(done.result).toBe('success');
      expect(done.actions.find((a) => a.className === 'Waiter')?.output).toEqual({ got: 'woken' });
    } finally {
      await second.close();
    }
  });
});

describe('autoExecute: false', () => {
  it('leaves a plan orphaned by a dead world alone (the dead world is still invalidated)', async () => {
    runs = {};
    const adapter = new MemoryAdapter();
    const id = await leaveCrashedPlan(adapter, 'fragile', sameHostDead());
    const world = new World({ adapter, actions, autoExecute: false, logger: silentLogger });
    await world.start();
    try {
      expect((await world.worlds()).map((w) => w.id)).toEqual([world.id]);
      const plan = await world.executionPlan(id);
      expect(plan?.state).toBe('running');
      expect(plan?.steps.find((s) => s.phase === 'run')?.state).toBe('running');
      expect(runs).toEqual({});
    } finally {
      await world.close();
    }

    // A world with the default takes the plan over.
    const rescuer = new World({ adapter, actions, logger: silentLogger });
    await rescuer.start();
    try {
      expect((await planReaching(rescuer, id, ['paused', 'stopped'])).state).toBe('paused');
    } finally {
      await rescuer.close();
    }
  });
});

/** A memory store that counts the scheduler's looks for due plans. */
class CountingAdapter extends MemoryAdapter {
  dueLooks = 0;
  override findDueDelayedPlans(dueBy: string, limit?: number) {
    this.dueLooks++;
    return super.findDueDelayedPlans(dueBy, limit);
  }
}

describe('scheduler: false', () => {
  it('never looks for due plans, so a due delayed plan waits for a world that does', async () => {
    runs = {};
    const adapter = new CountingAdapter();
    const idle = new World({ adapter, actions, scheduler: false, logger: silentLogger });
    await idle.start();
    let id: string;
    try {
      id = (await idle.delay(Fragile, { startAt: new Date(0) })).id;
      expect(adapter.dueLooks).toBe(0);
      expect((await idle.executionPlan(id))?.state).toBe('scheduled');
    } finally {
      await idle.close();
    }
    expect(adapter.dueLooks).toBe(0);

    const scheduling = new World({ adapter, actions, logger: silentLogger });
    await scheduling.start();
    try {
      // Its scheduler looks as it starts.
      expect(adapter.dueLooks).toBeGreaterThan(0);
      expect((await planReaching(scheduling, id, ['stopped'])).result).toBe('success');
    } finally {
      await scheduling.close();
    }
  });
});

describe('autoExecute and scheduler options', () => {
  it.each([
    ['autoExecute', 'yes'],
    ['autoExecute', 1],
    ['scheduler', null],
  ])('refuses %s: %j with INVALID_ARGUMENT', (key, value) => {
    const options = { [key]: value } as unknown as WorldOptions;
    const error = expectFlowlineError(
      thrownBy(() => new World(options)),
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(error.message).toContain(`World option ${key} must be true or false`);
  });
});
