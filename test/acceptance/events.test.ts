import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import type { PlanStateEvent, StepStateEvent } from '../../src/index.js';
import { recordingLogger, withWorld } from '../helpers/world.js';

class Leaf extends Action<{ name: string }> {
  override plan(name: string) {
    this.planSelf({ name });
  }
  run() {}
  finalize() {}
}

class Tree extends Action {
  override plan() {
    this.sequence(() => {
      this.planAction(Leaf, 'a');
      this.planAction(Leaf, 'b');
    });
  }
}

describe('world events', () => {
  it("'plan:state' reports planning, planned, running, stopped in order", async () => {
    await withWorld({ actions: [Leaf, Tree] }, async (world) => {
      const seen: PlanStateEvent[] = [];
      world.on('plan:state', (event) => seen.push(event));
      const triggered = world.trigger(Tree);
      const plan = await triggered.finished;

      const mine = seen.filter((e) => e.planId === triggered.id);
      expect(mine.map((e) => e.state)).toEqual(['planning', 'planned', 'running', 'stopped']);
      expect(mine.at(-1)).toEqual({ planId: plan.id, state: 'stopped', result: 'success' });
      expect(mine[0]?.result).toBe('pending');
      expect(seen).toHaveLength(mine.length);
    });
  });

  it("'step:state' events carry planId, stepId, actionId, phase and state", async () => {
    await withWorld({ actions: [Leaf, Tree] }, async (world) => {
      const seen: StepStateEvent[] = [];
      world.on('step:state', (event) => seen.push(event));
      const triggered = world.trigger(Tree);
      const plan = await triggered.finished;

      expect(seen.every((e) => e.planId === triggered.id)).toBe(true);
      for (const step of plan.steps) {
        const events = seen.filter((e) => e.stepId === step.id);
        expect(
          events.map((e) => e.state),
          `step ${step.id}`,
        ).toEqual(['running', 'success']);
        for (const event of events) {
          expect(event).toEqual({
            planId: plan.id,
            stepId: step.id,
            actionId: step.actionId,
            phase: step.phase,
            state: event.state,
          });
        }
      }
      expect(new Set(seen.map((e) => e.phase))).toEqual(new Set(['plan', 'run', 'finalize']));
      // The run steps of the sequence report in order: a's success before b starts.
      const runEvents = seen
        .filter((e) => e.phase === 'run')
        .map((e) => `${e.actionId}:${e.state}`);
      const [, a, b] = plan.actions;
      expect(runEvents).toEqual([
        `${a?.id}:running`,
        `${a?.id}:success`,
        `${b?.id}:running`,
        `${b?.id}:success`,
      ]);
    });
  });

  it("'plan:state' reports paused with result error, then running and stopped on resume", async () => {
    let failures = 1;

    class Fragile extends Action {
      override plan() {
        this.planSelf({});
      }
      run() {
        if (failures-- > 0) throw new Error('first attempt fails');
      }
    }

    await withWorld({ actions: [Fragile], logger: silentLogger }, async (world) => {
      const seen: PlanStateEvent[] = [];
      const steps: StepStateEvent[] = [];
      world.on('plan:state', (event) => seen.push(event));
      world.on('step:state', (event) => steps.push(event));
      const paused = await world.trigger(Fragile).finished;
      await world.resume(paused.id);

      expect(seen.map((e) => e.state)).toEqual([
        'planning',
        'planned',
        'running',
        'paused',
        'running',
        'stopped',
      ]);
      expect(seen[3]?.result).toBe('error');
      expect(seen[5]?.result).toBe('success');
      expect(steps.filter((e) => e.phase === 'run').map((e) => e.state)).toEqual([
        'running',
        'error',
        'running',
        'success',
      ]);
    });
  });

  it('a throwing listener does not break the plan; the error is logged and other listeners still hear', async () => {
    const logger = recordingLogger();
    await withWorld({ actions: [Leaf, Tree], logger }, async (world) => {
      const failure = new Error('listener bug');
      world.on('plan:state', () => {
        throw failure;
      });
      world.on('step:state', () => {
        throw failure;
      });
      const states: string[] = [];
      world.on('plan:state', (event) => states.push(event.state));

      const plan = await world.trigger(Tree).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(states).toEqual(['planning', 'planned', 'running', 'stopped']);

      const errors = logger.entries.filter((e) => e.level === 'error');
      expect(errors.length).toBeGreaterThanOrEqual(4 + plan.steps.length * 2);
      expect(errors.some((e) => /plan:state/.test(e.message))).toBe(true);
      expect(errors.some((e) => /step:state/.test(e.message))).toBe(true);
      expect(errors.every((e) => e.meta?.error === failure)).toBe(true);
    });
  });

  it('the function returned by on() removes the listener', async () => {
    await withWorld({ actions: [Leaf, Tree] }, async (world) => {
      const seen: string[] = [];
      const off = world.on('plan:state', (event) => seen.push(event.state));
      await world.trigger(Tree).finished;
      off();
      await world.trigger(Tree).finished;
      expect(seen).toEqual(['planning', 'planned', 'running', 'stopped']);
    });
  });
});
