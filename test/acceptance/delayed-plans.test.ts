/**
 * Delayed plans (`world.delay`): scheduled until the world clock reaches `startAt`, then planned
 * with the stored arguments and executed; not started before `startBefore` → stopped/error with
 * EXECUTION_WINDOW_MISSED. Time is a ManagedClock moved by hand: no sleeps, no real timers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock, ExecutionPlan, PersistenceAdapter } from '../../src/index.js';
import { Action, MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/managed-clock.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { planReaching, recordingLogger, withWorld } from '../helpers/world.js';

const runs: string[] = [];

class SendReport extends Action<{ to: string; format: string }> {
  override plan(to: string, options: { format: string } = { format: 'pdf' }) {
    this.planSelf({ to, format: options.format });
  }
  run() {
    runs.push(`${this.input.to} (${this.input.format})`);
  }
}

const actions = [SendReport];
const MINUTE = 60_000;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Whichever of several worlds sees the plan stop. */
function stoppedInAny(worlds: readonly World[], id: string): Promise<ExecutionPlan> {
  return Promise.race(worlds.map((world) => planReaching(world, id, ['stopped'])));
}

describe('delayed plans', () => {
  it('waits in state scheduled and starts exactly when the clock reaches startAt', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, clock, actions, logger: silentLogger }, async (world) => {
      // Not a multiple of the poll interval: the timer set for the earliest plan starts it.
      const startAt = clock.now() + 10 * MINUTE + 250;
      const scheduled = await world.delay(
        SendReport,
        { startAt: new Date(startAt), startBefore: startAt + MINUTE },
        'ops@example.com',
        { format: 'csv' },
      );
      expect(scheduled.state).toBe('scheduled');
      expect(scheduled.result).toBe('pending');
      expect(scheduled.label).toBe('SendReport');
      expect(scheduled.startedAt).toBeUndefined();
      expect(scheduled.actions).toEqual([
        { id: 1, className: 'SendReport', input: {}, output: {}, planStepId: 1 },
      ]);
      expect(scheduled.steps).toMatchObject([{ id: 1, phase: 'plan', state: 'scheduling' }]);
      expect(await world.executionPlan(scheduled.id)).toEqual(scheduled);
      expect((await world.executionPlans({ state: 'scheduled' })).map((p) => p.id)).toEqual([
        scheduled.id,
      ]);
      expect(await adapter.loadDelayedPlan(scheduled.id)).toEqual({
        planId: scheduled.id,
        startAt: new Date(startAt).toISOString(),
        startBefore: new Date(startAt + MINUTE).toISOString(),
        args: ['ops@example.com', { format: 'csv' }],
        frozen: false,
      });

      await clock.advanceTo(startAt - 1);
      expect((await world.executionPlan(scheduled.id))?.state).toBe('scheduled');
      expect(runs).toEqual([]);

      const stopped = planReaching(world, scheduled.id, ['stopped']);
      await clock.advance(1);
      const plan = await stopped;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.startedAt).toBe(new Date(startAt).toISOString());
      expect(runs).toEqual(['ops@example.com (csv)']);
      // The same plan, planned in place: the root keeps action 1 and plan step 1.
      expect(plan.id).toBe(scheduled.id);
      expect(plan.actions[0]).toMatchObject({
        id: 1,
        className: 'SendReport',
        input: { to: 'ops@example.com', format: 'csv' },
      });
      expect(plan.steps.map((s) => [s.id, s.phase, s.state])).toEqual([
        [1, 'plan', 'success'],
        [2, 'run', 'success'],
      ]);
      expect(await adapter.loadDelayedPlan(scheduled.id)).toBeUndefined();
      expect(await world.executionPlans({ state: 'scheduled' })).toEqual([]);
    });
  });

  it('emits plan:state for scheduled, then planning, planned, running and stopped', async () => {
    const clock = new ManagedClock();
    await withWorld({ clock, actions, logger: silentLogger }, async (world) => {
      const states: string[] = [];
      world.on('plan:state', (event) => states.push(event.state));
      const scheduled = await world.delay(SendReport, { startAt: clock.now() + 500 }, 'a@b.c');
      expect(states).toEqual(['scheduled']);
      const stopped = planReaching(world, scheduled.id, ['stopped']);
      await clock.advance(500);
      await stopped;
      expect(states).toEqual(['scheduled', 'planning', 'planned', 'running', 'stopped']);
    });
  });

  it('a startAt in the past starts the plan at once; omitted trailing arguments stay omitted', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    await withWorld({ clock, actions, logger: silentLogger }, async (world) => {
      const scheduled = await world.delay(
        SendReport,
        { startAt: new Date(clock.now() - MINUTE).toISOString() },
        'late@example.com',
        undefined,
      );
      const plan = await planReaching(world, scheduled.id, ['stopped']);
      expect(plan.result).toBe('success');
      expect(runs).toEqual(['late@example.com (pdf)']);
    });
  });

  it('ends stopped/error with EXECUTION_WINDOW_MISSED when no executor world ran before startBefore', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    const startAt = clock.now() + MINUTE;
    const startBefore = startAt + MINUTE;
    // A client-only world delays the plan; no executor world runs until the window has passed.
    const id = await withWorld(
      { adapter, clock, actions, executor: false, logger: silentLogger },
      async (client) => {
        const scheduled = await client.delay(SendReport, { startAt, startBefore }, 'x@y.z');
        await clock.advance(10 * MINUTE);
        expect((await client.executionPlan(scheduled.id))?.state).toBe('scheduled');
        return scheduled.id;
      },
    );
    await withWorld({ adapter, clock, actions, logger: silentLogger }, async (world) => {
      const plan = await planReaching(world, id, ['stopped']);
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const root = plan.steps[0];
      expect(root?.phase).toBe('plan');
      expect(root?.state).toBe('error');
      expect(root?.error?.code).toBe('EXECUTION_WINDOW_MISSED');
      expect(root?.error?.message).toContain(new Date(startBefore).toISOString());
      expect(plan.history.map((h) => h.event)).toEqual(['execution window missed']);
      expect(plan.history[0]?.worldId).toBe(world.id);
      expect(plan.invalid).toBeUndefined();
      expect(runs).toEqual([]);
      expect(await adapter.loadDelayedPlan(id)).toBeUndefined();
      expect((await world.executionPlans({ result: 'error' })).map((p) => p.id)).toEqual([id]);
    });
  });

  it('ends stopped/error with EXECUTION_WINDOW_MISSED when the clock jumps past startBefore', async () => {
    runs.length = 0;
    const managed = new ManagedClock();
    // The host slept: the time read jumps ahead while timers fire on the managed timeline.
    let jumped = 0;
    const clock: Clock = {
      now: () => managed.now() + jumped,
      setTimeout: (fn, ms) => managed.setTimeout(fn, ms),
      clearTimeout: (handle) => {
        managed.clearTimeout(handle);
      },
    };
    await withWorld({ clock, actions, logger: silentLogger }, async (world) => {
      const startAt = clock.now() + 2_000;
      const scheduled = await world.delay(
        SendReport,
        { startAt, startBefore: startAt + 5_000 },
        'sleepy@example.com',
      );
      const stopped = planReaching(world, scheduled.id, ['stopped']);
      jumped = 30_000;
      await managed.advance(2_000);
      const plan = await stopped;
      expect(plan.result).toBe('error');
      expect(plan.steps[0]?.error?.code).toBe('EXECUTION_WINDOW_MISSED');
      expect(runs).toEqual([]);
    });
  });

  it('a plan delayed by another world is seen by the periodic re-check and started on time', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    await withWorld(
      { adapter, clock, actions, logger: silentLogger, schedulerPollIntervalMs: 5_000 },
      async (executor) => {
        await withWorld(
          { adapter, clock, actions, executor: false, logger: silentLogger },
          async (client) => {
            const startAt = clock.now() + 12_345;
            const scheduled = await client.delay(SendReport, { startAt }, 'poll@example.com');
            await clock.advanceTo(startAt - 1);
            expect((await executor.executionPlan(scheduled.id))?.state).toBe('scheduled');
            const stopped = planReaching(executor, scheduled.id, ['stopped']);
            await clock.advance(1);
            const plan = await stopped;
            expect(plan.result).toBe('success');
            expect(plan.startedAt).toBe(new Date(startAt).toISOString());
          },
        );
      },
    );
    expect(runs).toEqual(['poll@example.com (pdf)']);
  });

  it('a delayed plan whose plan() throws ends stopped/error like a triggered one', async () => {
    class Picky extends Action {
      override plan(format: string) {
        throw new Error(`unknown format ${format}`);
      }
    }
    const clock = new ManagedClock();
    await withWorld({ clock, actions: [Picky], logger: silentLogger }, async (world) => {
      const scheduled = await world.delay(Picky, { startAt: clock.now() + 100 }, 'xls');
      const stopped = planReaching(world, scheduled.id, ['stopped']);
      await clock.advance(100);
      const plan = await stopped;
      expect([plan.state, plan.result]).toEqual(['stopped', 'error']);
      expect(plan.steps).toHaveLength(1);
      expect(plan.steps[0]?.state).toBe('error');
      expect(plan.steps[0]?.error?.message).toBe('unknown format xls');
    });
  });

  it('a world that does not know the action leaves the plan scheduled and says so once', async () => {
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    const logger = recordingLogger();
    await withWorld({ adapter, clock, actions: [], logger }, async (stranger) => {
      await withWorld(
        { adapter, clock, actions, executor: false, logger: silentLogger },
        async (client) => {
          const scheduled = await client.delay(SendReport, { startAt: clock.now() }, 'who');
          await clock.advance(5_000);
          expect((await client.executionPlan(scheduled.id))?.state).toBe('scheduled');
          const warnings = logger.entries.filter((e) => e.message.includes(scheduled.id));
          expect(warnings).toHaveLength(1);
          expect(warnings[0]?.message).toMatch(/"SendReport" is not registered in world/);
          expect(stranger.id).toBeDefined();
        },
      );
    });
  });

  it('two executor worlds on one store start a due plan once', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, clock, actions, logger: silentLogger }, async (first) => {
      await withWorld({ adapter, clock, actions, logger: silentLogger }, async (second) => {
        const plans = await Promise.all(
          ['a', 'b', 'c', 'd'].map((name) =>
            (name < 'c' ? first : second).delay(SendReport, { startAt: clock.now() + 1_000 }, name),
          ),
        );
        const stopped = Promise.all(plans.map((p) => stoppedInAny([first, second], p.id)));
        await clock.advance(1_000);
        for (const plan of await stopped) expect(plan.result).toBe('success');
        await clock.advance(10_000);
        expect(runs.sort()).toEqual(['a (pdf)', 'b (pdf)', 'c (pdf)', 'd (pdf)']);
        for (const plan of plans) {
          const history = (await first.executionPlan(plan.id))?.history ?? [];
          expect(history.filter((h) => h.event === 'start execution')).toHaveLength(1);
        }
      });
    });
  });

  it('survives a restart on SQLite and starts when due in the new world', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-delay-'));
    dirs.push(dir);
    const filename = path.join(dir, 'flowline.db');
    await survivesRestart(() => new SqliteAdapter({ filename }));
  });

  describe('on PostgreSQL', () => {
    const db = useTestDatabase();

    it('survives a restart and starts when due in the new world', async () => {
      const schema = db.freshSchema();
      await survivesRestart(() =>
        db.track(new PostgresAdapter({ connectionString: db.url, schema })),
      );
    });
  });
});

/** Delays a plan, closes the world, and starts it when due in a new world on the same store. */
async function survivesRestart(makeAdapter: () => PersistenceAdapter): Promise<void> {
  runs.length = 0;
  const clock = new ManagedClock();
  const startAt = clock.now() + 10 * MINUTE + 7;

  const before = new World({ adapter: makeAdapter(), clock, actions, logger: silentLogger });
  await before.start();
  const scheduled = await before.delay(SendReport, { startAt }, 'durable@example.com', {
    format: 'html',
  });
  await before.close();

  await clock.advance(3 * MINUTE); // nobody is running
  const after = new World({ adapter: makeAdapter(), clock, actions, logger: silentLogger });
  await after.start();
  try {
    const listed = await after.executionPlans({ state: 'scheduled' });
    expect(listed.map((p) => p.id)).toEqual([scheduled.id]);
    await clock.advanceTo(startAt - 1);
    expect((await after.executionPlan(scheduled.id))?.state).toBe('scheduled');
    expect(runs).toEqual([]);
    const stopped = planReaching(after, scheduled.id, ['stopped']);
    await clock.advance(1);
    const plan = await stopped;
    expect(plan.result).toBe('success');
    expect(plan.startedAt).toBe(new Date(startAt).toISOString());
    expect(runs).toEqual(['durable@example.com (html)']);
  } finally {
    await after.close();
  }

  // Stored for good: a fresh adapter sees the finished plan and no delayed record.
  const inspect = makeAdapter();
  await inspect.start();
  try {
    expect(await inspect.loadDelayedPlan(scheduled.id)).toBeUndefined();
    expect((await inspect.loadPlan(scheduled.id))?.plan.result).toBe('success');
  } finally {
    await inspect.close();
  }
}
