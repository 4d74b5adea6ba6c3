import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Action, ErrorCode, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import {
  deferred,
  expectFlowlineError,
  recordingLogger,
  rejectionOf,
  withWorld,
} from '../helpers/world.js';

/** Every charge made, by order id: the side effect that must happen once per key. */
const charges: string[] = [];
let plannings = 0;
let gate: Promise<void> | undefined;

class Charge extends Action<{ orderId: string; cents: number }> {
  override plan(orderId: string, cents: number): void {
    plannings++;
    this.planSelf({ orderId, cents });
  }
  async run(): Promise<void> {
    await gate;
    charges.push(this.input.orderId);
  }
}

class Refund extends Action<{ orderId: string }> {
  async run(): Promise<void> {}
}

class Broken extends Action {
  override plan(): void {
    plannings++;
    throw new Error('no such customer');
  }
  async run(): Promise<void> {}
}

afterEach(() => {
  charges.length = 0;
  plannings = 0;
  gate = undefined;
});

const options = () => ({ logger: silentLogger, actions: [Charge, Refund, Broken] });

describe('idempotent triggers (triggerWith)', () => {
  it('a duplicate trigger with the same idempotency key charges once', async () => {
    await withWorld(options(), async (world) => {
      const first = world.triggerWith({ idempotencyKey: 'req-1' }, Charge, 'order-17', 1999);
      const plan = await first.finished;
      const again = world.triggerWith({ idempotencyKey: 'req-1' }, Charge, 'order-17', 1999);
      expect(again.id, 'the duplicate names the same plan').toBe(first.id);
      const same = await again.finished;
      expect(same.id).toBe(plan.id);
      expect(same.state).toBe('stopped');
      expect(same.result).toBe('success');
      expect(charges).toEqual(['order-17']);
      expect(plannings, 'the duplicate does not run the plan phase').toBe(1);
      const listed = await world.executionPlans({ idempotencyKey: 'req-1' });
      expect(listed.map((p) => [p.id, p.idempotencyKey])).toEqual([[plan.id, 'req-1']]);
    });
  });

  it('duplicates triggered at the same moment share one plan and charge once', async () => {
    await withWorld(options(), async (world) => {
      const calls = Array.from({ length: 5 }, () =>
        world.triggerWith({ idempotencyKey: 'req-2' }, Charge, 'order-18', 500),
      );
      expect(new Set(calls.map((call) => call.id)).size).toBe(1);
      const plans = await Promise.all(calls.map((call) => call.finished));
      expect(plans.every((plan) => plan.result === 'success')).toBe(true);
      expect(charges).toEqual(['order-18']);
      expect(await world.executionPlans()).toHaveLength(1);
    });
  });

  it('a caller-chosen id names the plan, and triggering it again returns that plan', async () => {
    await withWorld(options(), async (world) => {
      const first = world.triggerWith({ id: 'order-19' }, Charge, 'order-19', 700);
      expect(first.id).toBe('order-19');
      await first.finished;
      expect((await world.executionPlan('order-19'))?.result).toBe('success');
      const again = world.triggerWith({ id: 'order-19' }, Charge, 'order-19', 700);
      expect((await again.planned).id).toBe('order-19');
      expect((await again.finished).result).toBe('success');
      expect(charges).toEqual(['order-19']);
    });
  });

  it('a duplicate that arrives while the plan runs waits for that plan to finish', async () => {
    const release = deferred();
    gate = release.promise;
    await withWorld(options(), async (world) => {
      const first = world.triggerWith({ idempotencyKey: 'req-3' }, Charge, 'order-20', 100);
      await first.planned;
      const again = world.triggerWith({ idempotencyKey: 'req-3' }, Charge, 'order-20', 100);
      const planned = await again.planned;
      expect(planned.id).toBe(first.id);
      expect(['planned', 'running']).toContain(planned.state);
      let finishedEarly = false;
      void again.finished.then(() => {
        finishedEarly = !release.settled;
      });
      release.resolve();
      const [a, b] = await Promise.all([first.finished, again.finished]);
      expect(finishedEarly, 'the duplicate waited for the run').toBe(false);
      expect(b).toEqual(a);
      expect(charges).toEqual(['order-20']);
    });
  });

  it('a duplicate with another action class returns the existing plan and logs a warning', async () => {
    const logger = recordingLogger();
    await withWorld({ ...options(), logger }, async (world) => {
      const first = await world.triggerWith({ id: 'order-21' }, Charge, 'order-21', 1).finished;
      const again = await world.triggerWith({ id: 'order-21' }, Refund, { orderId: 'x' }).finished;
      expect(again.id).toBe(first.id);
      expect(again.actions[0]?.className).toBe('Charge');
      const warning = logger.entries.find((entry) => entry.level === 'warn');
      expect(warning?.message).toMatch(/order-21 already exists as a plan of Charge, not Refund/);
    });
  });

  it('a key first used with an explicit id is refused under another id', async () => {
    await withWorld(options(), async (world) => {
      await world.triggerWith({ id: 'order-22', idempotencyKey: 'req-4' }, Charge, 'a', 1).finished;
      const other = world.triggerWith({ id: 'order-23', idempotencyKey: 'req-4' }, Charge, 'b', 1);
      expectFlowlineError(await rejectionOf(other.finished), ErrorCode.IDEMPOTENCY_CONFLICT);
      const keyOnly = world.triggerWith({ idempotencyKey: 'req-4' }, Charge, 'c', 1);
      const error = expectFlowlineError(
        await rejectionOf(keyOnly.planned),
        ErrorCode.IDEMPOTENCY_CONFLICT,
      );
      expect(error.message).toMatch(/belongs to plan order-22/);
      const same = world.triggerWith({ id: 'order-22', idempotencyKey: 'req-4' }, Charge, 'a', 1);
      expect((await same.finished).id).toBe('order-22');
      expect(charges).toEqual(['a']);
    });
  });

  it('two calls naming one key with different ids at once: one plans, the other is refused', async () => {
    await withWorld(options(), async (world) => {
      const calls = [
        world.triggerWith({ id: 'order-24', idempotencyKey: 'req-9' }, Charge, 'x', 1),
        world.triggerWith({ id: 'order-25', idempotencyKey: 'req-9' }, Charge, 'y', 1),
      ];
      const outcomes = await Promise.allSettled(calls.map((call) => call.finished));
      const done = outcomes.filter((outcome) => outcome.status === 'fulfilled');
      const refused = outcomes.flatMap((outcome) =>
        outcome.status === 'rejected' ? [outcome.reason as unknown] : [],
      );
      expect(done).toHaveLength(1);
      expect(refused).toHaveLength(1);
      expectFlowlineError(refused[0], ErrorCode.IDEMPOTENCY_CONFLICT);
      expect(charges).toHaveLength(1);
      expect(await world.executionPlans()).toHaveLength(1);
    });
  });

  it('closing the world rejects a wait for a plan nobody executes with WORLD_CLOSED', async () => {
    const world = new World({ ...options(), executor: false });
    await world.start();
    const triggered = world.triggerWith({ idempotencyKey: 'req-10' }, Charge, 'o10', 1);
    expect((await triggered.planned).state).toBe('planned');
    await world.close();
    expectFlowlineError(await rejectionOf(triggered.finished), ErrorCode.WORLD_CLOSED);
  });

  it('a plan whose planning failed keeps its key: the duplicate returns the failed plan', async () => {
    await withWorld(options(), async (world) => {
      const first = await world.triggerWith({ idempotencyKey: 'req-5' }, Broken).finished;
      expect([first.state, first.result]).toEqual(['stopped', 'error']);
      const again = await world.triggerWith({ idempotencyKey: 'req-5' }, Broken).finished;
      expect(again).toEqual(first);
      expect(plannings).toBe(1);
    });
  });

  it('without id or key, triggerWith plans every time, with its label', async () => {
    await withWorld(options(), async (world) => {
      const a = await world.triggerWith({ label: 'nightly charge' }, Charge, 'n', 1).finished;
      const b = await world.triggerWith({}, Charge, 'n', 1).finished;
      expect(a.id).not.toBe(b.id);
      expect(a.label).toBe('nightly charge');
      expect(b.label).toBe('Charge');
      expect(a.idempotencyKey).toBeUndefined();
      expect(charges).toEqual(['n', 'n']);
    });
  });

  it('bad options throw INVALID_ARGUMENT naming the option and store nothing', async () => {
    await withWorld(options(), async (world) => {
      const bad: [unknown, string][] = [
        [{ idempotencyKey: '' }, 'idempotencyKey'],
        [{ id: 7 }, 'id'],
        [{ id: 'a\u0000b' }, 'id'],
        [{ idempotencyKey: 'x'.repeat(256) }, 'idempotencyKey'],
        [{ label: '\uD800' }, 'label'],
        [{ idempotencykey: 'k' }, 'idempotencykey'],
        [null, 'options'],
      ];
      for (const [given, field] of bad) {
        let thrown: unknown;
        try {
          world.triggerWith(given as { id?: string }, Charge, 'o', 1);
        } catch (error) {
          thrown = error;
        }
        expect(expectFlowlineError(thrown, ErrorCode.INVALID_ARGUMENT).message).toContain(field);
      }
      expect(await world.executionPlans()).toEqual([]);
    });
  });
});

describe('idempotent triggers on SQLite', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const file = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-idem-'));
    dirs.push(dir);
    return path.join(dir, 'flowline.db');
  };

  it('a duplicate after a restart returns the stored plan and charges once', async () => {
    const filename = file();
    const adapter = () => new SqliteAdapter({ filename });
    const id = await withWorld({ ...options(), adapter: adapter() }, async (world) => {
      const done = await world.triggerWith({ idempotencyKey: 'req-6' }, Charge, 'o6', 1).finished;
      return done.id;
    });
    await withWorld({ ...options(), adapter: adapter() }, async (world) => {
      const again = world.triggerWith({ idempotencyKey: 'req-6' }, Charge, 'o6', 1);
      expect(again.id).toBe(id);
      expect((await again.finished).idempotencyKey).toBe('req-6');
      expect(charges).toEqual(['o6']);
    });
  });

  it('a world closed while planning leaves the key free for the next trigger', async () => {
    const filename = file();
    const clock = new ManagedClock();
    const stuck = deferred();
    class Slow extends Action {
      static override actionName = 'Charge';
      override async plan(): Promise<void> {
        await stuck.promise;
        this.planSelf({});
      }
      async run(): Promise<void> {}
    }
    const world = new World({
      logger: silentLogger,
      clock,
      closeTimeoutMs: 1_000,
      adapter: new SqliteAdapter({ filename }),
      actions: [Slow],
    });
    await world.start();
    const abandoned = world.triggerWith({ idempotencyKey: 'req-7' }, Slow);
    const closing = world.close();
    await clock.advance(1_000);
    await closing;
    expectFlowlineError(await rejectionOf(abandoned.planned), ErrorCode.WORLD_CLOSED);
    stuck.resolve();
    await withWorld({ ...options(), adapter: new SqliteAdapter({ filename }) }, async (next) => {
      const again = next.triggerWith({ idempotencyKey: 'req-7' }, Charge, 'o7', 1);
      expect(again.id).toBe(abandoned.id);
      expect((await again.finished).result).toBe('success');
      expect(charges).toEqual(['o7']);
    });
  });

  it('a plan a client-only world planned is executed by an executor world that triggers it again', async () => {
    const filename = file();
    const clock = new ManagedClock();
    const client = new World({
      ...options(),
      clock,
      executor: false,
      adapter: new SqliteAdapter({ filename }),
    });
    const executor = new World({ ...options(), clock, adapter: new SqliteAdapter({ filename }) });
    await client.start();
    await executor.start();
    try {
      const fromClient = client.triggerWith({ idempotencyKey: 'req-8' }, Charge, 'o8', 1);
      expect((await fromClient.planned).state).toBe('planned');
      expect(charges, 'a client-only world runs nothing').toEqual([]);
      const fromExecutor = executor.triggerWith({ idempotencyKey: 'req-8' }, Charge, 'o8', 1);
      expect(fromExecutor.id).toBe(fromClient.id);
      const ran = await fromExecutor.finished;
      expect([ran.state, ran.result]).toEqual(['stopped', 'success']);
      // The client world sees the plan stopped at its next look at the store.
      await clock.advance(1_000);
      expect((await fromClient.finished).id).toBe(ran.id);
      expect(charges).toEqual(['o8']);
    } finally {
      await executor.close();
      await client.close();
    }
  });
});
