/**
 * Events by name: a run step waits for a named message with `suspend({ waitFor, timeoutMs })`, and
 * `world.send(planId, name, payload)` delivers it, kept until a step waits for it. On the memory
 * store and on a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonValue, PersistenceAdapter, SuspendedAction } from '../../src/index.js';
import { Action, MemoryAdapter, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import {
  Probe,
  expectFlowlineError,
  nextEvent,
  planReaching,
  rejectionOf,
  stepOf,
  withWorld,
} from '../helpers/world.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function sqliteFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-events-by-name-'));
  dirs.push(dir);
  return path.join(dir, 'flowline.db');
}

const stores: [string, () => PersistenceAdapter][] = [
  ['memory', () => new MemoryAdapter()],
  ['SQLite', () => new SqliteAdapter({ filename: sqliteFile() })],
];

/** What the actions saw, shared with the test. */
const seen = { runs: [] as unknown[], callbackUrls: [] as string[], probe: new Probe() };

function reset(): void {
  seen.runs = [];
  seen.callbackUrls = [];
}

/** Ships an order: builds the carrier's callback URL, then waits for the carrier's notice. */
class AwaitShipment extends Action<
  { order: string; timeoutMs?: number },
  { tracking?: string; timedOut?: boolean }
> {
  run(event?: JsonValue) {
    seen.runs.push(event);
    seen.probe.poke();
    if (event === undefined) {
      seen.callbackUrls.push(`/carrier/${this.executionPlanId}/${this.stepId}`);
      const { timeoutMs } = this.input;
      this.suspend(
        timeoutMs === undefined
          ? { waitFor: 'carrier.shipped' }
          : { waitFor: 'carrier.shipped', timeoutMs },
      );
    }
    if (Action.isTimeout(event)) {
      this.output.timedOut = true;
      return;
    }
    this.output.tracking = (event as { tracking: string }).tracking;
  }
}

/** Keeps its plan from reaching AwaitShipment until the test sends it an event. */
const gates: SuspendedAction[] = [];
class Gate extends Action {
  run(event?: JsonValue) {
    if (event === undefined) {
      this.suspend((handle) => {
        gates.push(handle);
        seen.probe.poke();
      });
    }
  }
}

class GatedShipment extends Action {
  override plan(order: string) {
    this.sequence(() => {
      this.planAction(Gate, {});
      this.planAction(AwaitShipment, { order });
    });
  }
}

/** Collects every shipment notice until it has `count`, one per wake-up. */
class CollectNotices extends Action<{ count: number }, { notices?: JsonValue[] }> {
  run(event?: JsonValue) {
    if (event !== undefined) this.output.notices = [...(this.output.notices ?? []), event];
    if ((this.output.notices?.length ?? 0) < this.input.count) {
      this.suspend({ waitFor: 'carrier.shipped' });
    }
  }
}

/** Times out once, then waits again for the same name without a timeout. */
class RetryWait extends Action<object, { timeouts?: number; tracking?: string }> {
  run(event?: JsonValue) {
    seen.runs.push(event);
    seen.probe.poke();
    if (event === undefined) this.suspend({ waitFor: 'carrier.shipped', timeoutMs: 5_000 });
    if (Action.isTimeout(event)) {
      this.output.timeouts = (this.output.timeouts ?? 0) + 1;
      this.suspend({ waitFor: 'carrier.shipped' });
    }
    this.output.tracking = (event as { tracking: string }).tracking;
  }
}

class ReadsStepIdInPlan extends Action {
  override plan() {
    this.planSelf({ stepId: this.stepId });
  }
  run() {}
}

class BadWait extends Action {
  run() {
    this.suspend({ waitFor: '' });
  }
}

const actions = [AwaitShipment, Gate, GatedShipment, CollectNotices, RetryWait, BadWait];

describe.each(stores)('events by name (%s)', (_store, makeAdapter) => {
  it('a step waiting for carrier.shipped is woken by world.send and run(payload) finishes it', async () => {
    reset();
    await withWorld({ adapter: makeAdapter(), actions, logger: silentLogger }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(AwaitShipment, { order: 'o-1' });
      const { stepId } = await suspended;

      // The callback URL was built in run() before suspending, from this.executionPlanId and
      // this.stepId.
      expect(seen.callbackUrls).toEqual([`/carrier/${triggered.id}/${stepId}`]);
      const waiting = await world.executionPlan(triggered.id);
      expect(stepOf(waiting!, 'AwaitShipment', 'run').waitFor).toEqual({ name: 'carrier.shipped' });

      await world.send(triggered.id, 'carrier.shipped', { tracking: 'TRK-1' });
      const plan = await triggered.finished;
      expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
      expect(plan.actions[0]?.output).toEqual({ tracking: 'TRK-1' });
      expect(seen.runs).toEqual([undefined, { tracking: 'TRK-1' }]);
      // The wait is over: the step record no longer says it waits.
      expect(stepOf(plan, 'AwaitShipment', 'run').waitFor).toBeUndefined();
    });
  });

  it('a shipment notice that arrives before the step waits for it is delivered when it does', async () => {
    reset();
    gates.length = 0;
    await withWorld({ adapter: makeAdapter(), actions, logger: silentLogger }, async (world) => {
      const triggered = world.trigger(GatedShipment, 'o-2');
      await seen.probe.until(() => gates.length === 1);
      // Nobody waits for carrier.shipped yet: the notice is kept.
      await world.send(triggered.id, 'carrier.shipped', { tracking: 'EARLY' });
      expect(seen.runs).toEqual([]);

      await gates[0]!.event('open');
      const plan = await triggered.finished;
      expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
      expect(plan.actions.find((a) => a.className === 'AwaitShipment')?.output).toEqual({
        tracking: 'EARLY',
      });
      // run was called twice: once to wait, once with the kept notice.
      expect(seen.runs).toEqual([undefined, { tracking: 'EARLY' }]);
    });
  });

  it('notices kept for one name are delivered first in, first out, one per wake-up', async () => {
    await withWorld({ adapter: makeAdapter(), actions, logger: silentLogger }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(CollectNotices, { count: 3 });
      await suspended;
      // Sent in the same turn: none is lost, none delivered twice, in the order sent.
      await Promise.all([
        world.send(triggered.id, 'carrier.shipped', 1),
        world.send(triggered.id, 'carrier.other', 'not for this step'),
      ]);
      await world.send(triggered.id, 'carrier.shipped', 2);
      await world.send(triggered.id, 'carrier.shipped', 3);
      await world.send(triggered.id, 'carrier.shipped', 4);
      const plan = await triggered.finished;
      expect(plan.actions[0]?.output).toEqual({ notices: [1, 2, 3] });
    });
  });

  it('a wait for carrier.shipped times out after 5 s on the managed clock', async () => {
    reset();
    const clock = new ManagedClock();
    await withWorld(
      { adapter: makeAdapter(), actions, logger: silentLogger, clock },
      async (world) => {
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(AwaitShipment, { order: 'o-3', timeoutMs: 5_000 });
        await suspended;
        const waiting = await world.executionPlan(triggered.id);
        expect(stepOf(waiting!, 'AwaitShipment', 'run').waitFor).toEqual({
          name: 'carrier.shipped',
          timeoutMs: 5_000,
          deadline: new Date(clock.now() + 5_000).toISOString(),
        });

        await clock.advance(4_999);
        expect(seen.runs).toEqual([undefined]);
        await clock.advance(1);
        const plan = await triggered.finished;
        expect(plan.actions[0]?.output).toEqual({ timedOut: true });
        expect(seen.runs).toEqual([
          undefined,
          { $flowline: 'timeout', afterMs: 5_000, waitFor: 'carrier.shipped' },
        ]);
      },
    );
  });

  it('a notice arriving after the timeout fired stays kept for the next wait for that name', async () => {
    reset();
    const clock = new ManagedClock();
    await withWorld(
      { adapter: makeAdapter(), actions, logger: silentLogger, clock },
      async (world) => {
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(RetryWait);
        await suspended;
        const again = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        await clock.advance(5_000);
        await again;
        await world.send(triggered.id, 'carrier.shipped', { tracking: 'LATE' });
        const plan = await triggered.finished;
        expect(plan.actions[0]?.output).toEqual({ timeouts: 1, tracking: 'LATE' });
      },
    );
  });

  it('a notice that answers the wait before its deadline cancels the timeout', async () => {
    reset();
    const clock = new ManagedClock();
    await withWorld(
      { adapter: makeAdapter(), actions, logger: silentLogger, clock },
      async (world) => {
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(AwaitShipment, { order: 'o-4', timeoutMs: 5_000 });
        await suspended;
        await world.send(triggered.id, 'carrier.shipped', { tracking: 'IN-TIME' });
        const plan = await triggered.finished;
        await clock.advance(10_000);
        expect(plan.actions[0]?.output).toEqual({ tracking: 'IN-TIME' });
        expect(seen.runs).toEqual([undefined, { tracking: 'IN-TIME' }]);
      },
    );
  });

  it('world.send refuses an unknown plan, a stopped plan, a bad name or payload, keeping nothing', async () => {
    await withWorld({ adapter: makeAdapter(), actions, logger: silentLogger }, async (world) => {
      expectFlowlineError(
        await rejectionOf(world.send('no-such-plan', 'carrier.shipped', {})),
        'PLAN_NOT_FOUND',
      );
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(CollectNotices, { count: 1 });
      await suspended;
      expectFlowlineError(await rejectionOf(world.send(triggered.id, '', 1)), 'INVALID_ARGUMENT');
      expectFlowlineError(
        await rejectionOf(world.send(triggered.id, 'a\u0000b', 1)),
        'INVALID_ARGUMENT',
      );
      expectFlowlineError(
        await rejectionOf(world.send(triggered.id, 'x'.repeat(257), 1)),
        'INVALID_ARGUMENT',
      );
      expectFlowlineError(
        await rejectionOf(
          world.send(triggered.id, 'carrier.shipped', { at: new Map() } as unknown as JsonValue),
        ),
        'UNSERIALIZABLE_VALUE',
      );
      // None of the refused messages was kept: the first good one is what the step gets.
      await world.send(triggered.id, 'carrier.shipped', 'good');
      const plan = await triggered.finished;
      expect(plan.actions[0]?.output).toEqual({ notices: ['good'] });

      const error = expectFlowlineError(
        await rejectionOf(world.send(triggered.id, 'carrier.shipped', 'too late')),
        'STEP_NOT_SUSPENDED',
      );
      expect(error.message).toContain('is stopped');
    });
  });

  it('this.stepId outside run() and a suspend with a bad name fail with clear errors', async () => {
    await withWorld(
      { adapter: makeAdapter(), actions: [ReadsStepIdInPlan, BadWait], logger: silentLogger },
      async (world) => {
        const planning = await world.trigger(ReadsStepIdInPlan).finished;
        expect([planning.state, planning.result]).toEqual(['stopped', 'error']);
        expect(stepOf(planning, 'ReadsStepIdInPlan', 'plan').error?.code).toBe('PHASE_MISUSE');

        const bad = await world.trigger(BadWait).finished;
        expect(bad.state).toBe('paused');
        const step = stepOf(bad, 'BadWait', 'run');
        expect(step.error?.code).toBe('INVALID_ARGUMENT');
        expect(step.error?.message).toContain('message name must not be empty');
      },
    );
  });
});

describe('events by name across a restart (SQLite file)', () => {
  it('a notice kept before a restart is delivered to the step that waits for it after', async () => {
    reset();
    gates.length = 0;
    const filename = sqliteFile();
    let planId = '';
    await withWorld(
      { adapter: new SqliteAdapter({ filename }), actions, logger: silentLogger },
      async (world) => {
        const triggered = world.trigger(GatedShipment, 'o-5');
        planId = triggered.id;
        await seen.probe.until(() => gates.length === 1);
        await world.send(planId, 'carrier.shipped', { tracking: 'KEPT' });
      },
    );
    await withWorld(
      { adapter: new SqliteAdapter({ filename }), actions, logger: silentLogger },
      async (world) => {
        // The gate is still suspended after the restart: open it with an event by step id.
        await world.event(planId, gates[0]!.stepId, 'open');
        const plan = await planReaching(world, planId);
        expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
        expect(plan.actions.find((a) => a.className === 'AwaitShipment')?.output).toEqual({
          tracking: 'KEPT',
        });
      },
    );
  });

  it('a wait with a timeout is re-armed by the world that recovers the plan', async () => {
    reset();
    const filename = sqliteFile();
    const clock = new ManagedClock();
    let planId = '';
    await withWorld(
      { adapter: new SqliteAdapter({ filename }), actions, logger: silentLogger, clock },
      async (world) => {
        const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        planId = world.trigger(AwaitShipment, { order: 'o-6', timeoutMs: 60_000 }).id;
        await suspended;
        await clock.advance(30_000);
      },
    );
    await withWorld(
      { adapter: new SqliteAdapter({ filename }), actions, logger: silentLogger, clock },
      async (world) => {
        await seen.probe.until(() => seen.runs.length === 1);
        const recovered = await world.executionPlan(planId);
        expect(stepOf(recovered!, 'AwaitShipment', 'run').state).toBe('suspended');
        await clock.advance(29_999);
        expect(seen.runs).toEqual([undefined]);
        await clock.advance(1);
        const plan = await planReaching(world, planId);
        expect(plan.actions[0]?.output).toEqual({ timedOut: true });
      },
    );
  });
});
