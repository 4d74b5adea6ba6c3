import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Action, SubPlansAction, World } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import type { ExecutionPlan, PlanStateEvent, SubPlansBatch } from '../../src/index.js';
import type { Deferred } from '../helpers/world.js';
import {
  Probe,
  deferred,
  nextEvent,
  planReaching,
  recordingLogger,
  stepOf,
  withWorld,
} from '../helpers/world.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The stopped sub-plans of a parent by their child's input `n`. */
function byN(plans: readonly ExecutionPlan[]): Map<number, ExecutionPlan> {
  return new Map(plans.map((plan) => [plan.actions[0]?.input.n as number, plan]));
}

describe('sub-plans', () => {
  it('runs 20 sub-plans at most 3 at a time and counts them all as successes', async () => {
    const probe = new Probe();
    const inProgress: Deferred<void>[] = [];
    const calls: number[] = [];
    let max = 0;
    let created = 0;

    class Child extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      async run() {
        calls.push(this.input.n);
        const gate = deferred();
        inProgress.push(gate);
        max = Math.max(max, inProgress.length);
        probe.poke();
        await gate.promise;
      }
    }

    class Fleet extends SubPlansAction<{ count: number }> {
      override concurrencyLimit = 3;
      createSubPlans() {
        created++;
        return Array.from({ length: this.input.count }, (_, n) => this.triggerChild(Child, n));
      }
    }

    await withWorld({ actions: [Child, Fleet], logger: quiet }, async (world) => {
      const childEvents: PlanStateEvent[] = [];
      world.on('plan:state', (event) => {
        if (event.parent !== undefined) childEvents.push(event);
      });
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Fleet, { count: 20 });
      const parentStep = stepOf(await triggered.planned, 'Fleet', 'run');
      await suspended;

      // Every sub-plan is stored, linked to the parent step; 3 run, 17 wait planned.
      const waiting = await world.subPlans(triggered.id);
      expect(waiting).toHaveLength(20);
      for (const plan of waiting) {
        expect(plan.parent).toEqual({ planId: triggered.id, stepId: parentStep.id });
      }
      await probe.until(() => inProgress.length === 3);
      const states = (await world.subPlans(triggered.id, parentStep.id)).map((p) => p.state);
      expect(states.filter((s) => s === 'running')).toHaveLength(3);
      expect(states.filter((s) => s === 'planned')).toHaveLength(17);
      const during = await world.executionPlan(triggered.id);
      expect(during?.state).toBe('running');
      expect(stepOf(during!, 'Fleet', 'run').state).toBe('suspended');
      expect(during?.actions[0]?.output).toEqual({ total: 20, success: 0, failed: 0, pending: 20 });

      let peaks = 0;
      for (let released = 0; released < 20; released++) {
        const expected = Math.min(3, 20 - released);
        await probe.until(() => inProgress.length >= expected);
        expect(inProgress.length).toBe(expected);
        if (inProgress.length === 3) peaks++;
        inProgress.shift()?.resolve();
      }

      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.progress).toBe(1);
      expect(plan.actions[0]?.output).toEqual({ total: 20, success: 20, failed: 0, pending: 0 });
      expect(max).toBe(3);
      expect(peaks).toBe(18);
      // Each sub-plan was triggered and run exactly once.
      expect(created).toBe(1);
      expect([...calls].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
      const children = await world.subPlans(triggered.id);
      expect(new Set(children.map((c) => c.id)).size).toBe(20);
      expect(children.every((c) => c.state === 'stopped' && c.result === 'success')).toBe(true);
      // Their state events name the parent.
      expect(childEvents.filter((e) => e.state === 'stopped')).toHaveLength(20);
      expect(childEvents.every((e) => e.parent?.planId === triggered.id)).toBe(true);
    });
  });

  it('a failed sub-plan pauses the parent; resuming the sub-plan, then the parent, finishes it', async () => {
    const broken = new Set([2]);
    const runs: number[] = [];
    let created = 0;

    class Flaky extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      run() {
        runs.push(this.input.n);
        if (broken.has(this.input.n)) throw new Error(`host ${this.input.n} is unreachable`);
      }
    }

    class Fleet extends SubPlansAction {
      createSubPlans() {
        created++;
        for (let n = 0; n < 5; n++) this.triggerChild(Flaky, n);
      }
    }

    await withWorld({ actions: [Flaky, Fleet], logger: quiet }, async (world) => {
      const triggered = world.trigger(Fleet);
      const paused = await triggered.finished;
      expect(paused.state).toBe('paused');
      expect(paused.result).toBe('error');
      const step = stepOf(paused, 'Fleet', 'run');
      expect(step.state).toBe('error');
      expect(step.error?.code).toBe('SUB_PLANS_FAILED');
      expect(paused.actions[0]?.output).toEqual({ total: 5, success: 4, failed: 1, pending: 0 });

      const children = byN(await world.subPlans(triggered.id));
      const failed = children.get(2)!;
      expect(failed.state).toBe('paused');
      expect(failed.result).toBe('error');
      expect(step.error?.message).toContain(failed.id);

      // Fix the cause and resume the sub-plan: the paused parent is not woken by it.
      broken.delete(2);
      const fixed = await world.resume(failed.id);
      expect(fixed.state).toBe('stopped');
      expect(fixed.result).toBe('success');
      expect((await world.executionPlan(triggered.id))?.state).toBe('paused');

      // Resuming the parent reads its sub-plans again instead of triggering them.
      const plan = await world.resume(triggered.id);
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.output).toEqual({ total: 5, success: 5, failed: 0, pending: 0 });
      expect(created).toBe(1);
      expect(await world.subPlans(triggered.id)).toHaveLength(5);
      expect([...runs].sort()).toEqual([0, 1, 2, 2, 3, 4]);
    });
  });

  it('a failed sub-plan resumed while the parent still waits counts as a success', async () => {
    const broken = new Set([0]);
    const gate = deferred();

    class Worker extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      async run() {
        if (broken.has(this.input.n)) throw new Error('not yet');
        if (this.input.n === 1) await gate.promise;
      }
    }

    class Pair extends SubPlansAction {
      createSubPlans() {
        return [this.triggerChild(Worker, 0), this.triggerChild(Worker, 1)];
      }
    }

    await withWorld({ actions: [Worker, Pair], logger: quiet }, async (world) => {
      const triggered = world.trigger(Pair);
      await triggered.planned;
      const first = await nextEvent(world, 'plan:state', (e) => e.state === 'paused');
      expect(first.parent?.planId).toBe(triggered.id);

      broken.clear();
      expect((await world.resume(first.planId)).result).toBe('success');
      gate.resolve();

      const plan = await triggered.finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.output).toEqual({ total: 2, success: 2, failed: 0, pending: 0 });
    });
  });

  it('with totalCount, createSubPlans is asked for batchSize sub-plans per run call', async () => {
    const batches: SubPlansBatch[] = [];

    class Item extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      run() {}
    }

    class Bulk extends SubPlansAction {
      override batchSize = 3;
      override totalCount() {
        return 7;
      }
      createSubPlans(batch: SubPlansBatch) {
        batches.push(batch);
        for (let n = batch.from; n < batch.from + batch.size; n++) this.triggerChild(Item, n);
      }
    }

    const logger = recordingLogger();
    await withWorld({ actions: [Item, Bulk], logger }, async (world) => {
      const plan = await world.trigger(Bulk).finished;
      expect(plan.result).toBe('success');
      expect(batches).toEqual([
        { from: 0, size: 3 },
        { from: 3, size: 3 },
        { from: 6, size: 1 },
      ]);
      expect(plan.actions[0]?.output).toEqual({ total: 7, success: 7, failed: 0, pending: 0 });
      const children = byN(await world.subPlans(plan.id));
      expect([...children.keys()].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    });
    // Sub-plans stopping while the step runs wake it once it suspends: no event is dropped.
    expect(logger.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([]);
  });

  it('when createSubPlans fails midway, resume calls it again and keeps the sub-plans it stored', async () => {
    const runs: number[] = [];
    let attempts = 0;

    class Item extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      run() {
        runs.push(this.input.n);
      }
    }

    class Shaky extends SubPlansAction {
      createSubPlans() {
        attempts++;
        this.triggerChild(Item, 0);
        this.triggerChild(Item, 1);
        if (attempts === 1) throw new Error('inventory went away');
        this.triggerChild(Item, 2);
      }
    }

    await withWorld({ actions: [Item, Shaky], logger: quiet }, async (world) => {
      const triggered = world.trigger(Shaky);
      const paused = await triggered.finished;
      expect(paused.state).toBe('paused');
      expect(stepOf(paused, 'Shaky', 'run').error?.message).toBe('inventory went away');
      // The two sub-plans triggered before the failure run on their own.
      const firstTwo = await world.subPlans(triggered.id);
      expect(firstTwo).toHaveLength(2);
      await Promise.all(firstTwo.map((child) => planReaching(world, child.id, ['stopped'])));

      const plan = await world.resume(triggered.id);
      expect(plan.result).toBe('success');
      expect(attempts).toBe(2);
      expect(plan.actions[0]?.output).toEqual({ total: 3, success: 3, failed: 0, pending: 0 });
      expect(await world.subPlans(triggered.id)).toHaveLength(3);
      expect([...runs].sort()).toEqual([0, 1, 2]);
    });
  });

  it('a sub-plan whose planning fails counts as failed', async () => {
    class Broken extends Action {
      override plan() {
        throw new Error('bad recipe');
      }
    }
    class Fine extends Action {
      run() {}
    }
    class Mixed extends SubPlansAction {
      createSubPlans() {
        this.triggerChild(Fine);
        this.triggerChild(Broken);
      }
    }

    await withWorld({ actions: [Broken, Fine, Mixed], logger: quiet }, async (world) => {
      const plan = await world.trigger(Mixed).finished;
      expect(plan.state).toBe('paused');
      expect(plan.actions[0]?.output).toEqual({ total: 2, success: 1, failed: 1, pending: 0 });
      const children = await world.subPlans(plan.id);
      expect(children.map((c) => [c.state, c.result]).sort()).toEqual([
        ['stopped', 'error'],
        ['stopped', 'success'],
      ]);
    });
  });

  it('no sub-plans: the step succeeds at once; a bad concurrencyLimit fails it', async () => {
    class Nothing extends SubPlansAction {
      createSubPlans() {
        return [];
      }
    }
    class BadLimit extends SubPlansAction {
      override concurrencyLimit = 0;
      createSubPlans() {}
    }

    await withWorld({ actions: [Nothing, BadLimit], logger: quiet }, async (world) => {
      const empty = await world.trigger(Nothing).finished;
      expect(empty.result).toBe('success');
      expect(empty.actions[0]?.output).toEqual({ total: 0, success: 0, failed: 0, pending: 0 });

      const bad = await world.trigger(BadLimit).finished;
      expect(bad.state).toBe('paused');
      expect(stepOf(bad, 'BadLimit', 'run').error?.code).toBe('INVALID_ACTION');
    });
  });

  it('any other event makes the waiting step read its sub-plans again; it keeps waiting', async () => {
    const gate = deferred();
    class Slow extends Action {
      async run() {
        await gate.promise;
      }
    }
    class Wrapper extends SubPlansAction {
      createSubPlans() {
        this.triggerChild(Slow);
      }
    }

    await withWorld({ actions: [Slow, Wrapper], logger: quiet }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Wrapper);
      const { stepId } = await suspended;
      const again = nextEvent(
        world,
        'step:state',
        (e) => e.planId === triggered.id && e.state === 'suspended',
      );
      await world.event(triggered.id, stepId, { nudge: true });
      await again;
      const during = await world.executionPlan(triggered.id);
      expect(during?.actions[0]?.output).toEqual({ total: 1, success: 0, failed: 0, pending: 1 });

      gate.resolve();
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.output).toEqual({ total: 1, success: 1, failed: 0, pending: 0 });
    });
  });

  it('once the parent is halted, sub-plans waiting for a slot are not started', async () => {
    const runs: number[] = [];
    const gate = deferred();
    const first = deferred();

    class Job extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      async run() {
        runs.push(this.input.n);
        first.resolve();
        await gate.promise;
      }
    }
    class Quick extends Action {
      run() {}
    }
    class Queue extends SubPlansAction {
      override concurrencyLimit = 1;
      createSubPlans() {
        for (let n = 0; n < 3; n++) this.triggerChild(Job, n);
      }
    }

    await withWorld({ actions: [Job, Quick, Queue], logger: quiet }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Queue);
      await suspended;
      await first.promise;
      await world.halt(triggered.id);
      const halted = await world.executionPlan(triggered.id);
      expect(halted?.state).toBe('stopped');
      expect(halted?.result).toBe('cancelled');

      const [running] = (await world.subPlans(triggered.id)).filter((p) => p.state === 'running');
      gate.resolve();
      expect((await planReaching(world, running!.id)).result).toBe('success');
      // A whole other plan runs meanwhile; no waiting sub-plan was started.
      expect((await world.trigger(Quick).finished).result).toBe('success');
      const states = (await world.subPlans(triggered.id)).map((p) => p.state).sort();
      expect(states).toEqual(['planned', 'planned', 'stopped']);
      expect(runs).toEqual([0]);
    });
  });

  it('after a restart on the same SQLite file, a new world starts the waiting sub-plans', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-sub-plans-'));
    dirs.push(dir);
    const filename = path.join(dir, 'store.db');
    const runs: number[] = [];
    const first = deferred();
    const gate = deferred();
    let created = 0;

    class Task extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      async run() {
        runs.push(this.input.n);
        if (this.input.n !== 0) return;
        first.resolve();
        await gate.promise;
      }
    }

    class OneByOne extends SubPlansAction {
      override concurrencyLimit = 1;
      createSubPlans() {
        created++;
        for (let n = 0; n < 4; n++) this.triggerChild(Task, n);
      }
    }

    const actions = [Task, OneByOne];
    const before = new World({ adapter: new SqliteAdapter({ filename }), actions, logger: quiet });
    await before.start();
    const suspended = nextEvent(before, 'step:state', (e) => e.state === 'suspended');
    const triggered = before.trigger(OneByOne);
    await suspended;
    await first.promise;
    // The first sub-plan ends while the world closes: its notice waits in the store.
    const closing = before.close();
    gate.resolve();
    await closing;
    expect(runs).toEqual([0]);

    const after = new World({ adapter: new SqliteAdapter({ filename }), actions, logger: quiet });
    await after.start();
    try {
      const plan = await planReaching(after, triggered.id);
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.actions[0]?.output).toEqual({ total: 4, success: 4, failed: 0, pending: 0 });
      expect(runs).toEqual([0, 1, 2, 3]);
      expect(created).toBe(1);
    } finally {
      await after.close();
    }
  });
});
