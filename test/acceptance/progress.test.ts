/**
 * Progress, as Dynflow computes it: each run and finalize step weighs `progressWeight()` (read when
 * planSelf creates it) and is `progressDone()` far (read each time run suspends; success or skipped
 * = 1); the plan's progress is sum(weight × done) / sum(weight).
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue, SuspendedAction } from '../../src/index.js';
import { Action, ErrorCode, silentLogger } from '../../src/index.js';
import { Probe, nextEvent, stepOf, withWorld } from '../helpers/world.js';

function importScenario() {
  const probe = new Probe();
  const handles: SuspendedAction[] = [];
  const reported: { value: unknown } = { value: 0.5 };

  /** Copies `size` GB; suspends until the copy service reports, and says how far it got. */
  class Copy extends Action<{ size: number }, { copied?: number }> {
    override plan(size: number) {
      this.planSelf({ size });
    }
    override progressWeight(phase: 'run' | 'finalize') {
      return phase === 'run' ? this.input.size : 1;
    }
    override progressDone() {
      return reported.value as number;
    }
    run(event?: JsonValue) {
      if (event !== 'done') {
        this.suspend((handle) => {
          handles.push(handle);
          probe.poke();
        });
      }
      this.output.copied = this.input.size;
    }
    finalize() {}
  }

  class Index extends Action {
    run() {}
  }

  class Import extends Action {
    override plan() {
      this.sequence(() => {
        this.planAction(Index, {});
        this.planAction(Copy, 6);
      });
    }
  }
  return { probe, handles, reported, Copy, Index, Import };
}

describe('progress', () => {
  it('is the weighted mean of run and finalize steps while a step is suspended half way', async () => {
    const { probe, handles, Copy, Index, Import } = importScenario();
    await withWorld({ actions: [Copy, Index, Import], logger: silentLogger }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Import);
      await probe.until(() => handles.length === 1);
      await suspended;
      const planned = await triggered.planned;
      // Weights were read at planSelf time: Copy run = its size, Copy finalize = 1, Index = 1.
      expect(stepOf(planned, 'Copy', 'run').progressWeight).toBe(6);
      expect(stepOf(planned, 'Copy', 'finalize').progressWeight).toBe(1);
      expect(stepOf(planned, 'Index', 'run').progressWeight).toBe(1);
      expect(planned.progress).toBe(0);

      const during = (await world.executionPlan(triggered.id))!;
      expect(stepOf(during, 'Copy', 'run').state).toBe('suspended');
      expect(stepOf(during, 'Copy', 'run').progress).toBe(0.5);
      // (Index 1 × 1 + Copy run 6 × 0.5 + Copy finalize 1 × 0) / (1 + 6 + 1)
      expect(during.progress).toBeCloseTo((1 * 1 + 6 * 0.5 + 1 * 0) / 8, 12);

      await handles[0]!.event('done');
      const plan = await triggered.finished;
      expect(plan.result).toBe('success');
      expect(plan.progress).toBe(1);
      expect(stepOf(plan, 'Copy', 'run').progress).toBe(1);
    });
  });

  it.each([
    [1.7, 1],
    [-0.2, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
    ['half', 0],
  ])('stores progressDone() = %j as %d', async (value, stored) => {
    const { probe, handles, reported, Copy, Index, Import } = importScenario();
    reported.value = value;
    await withWorld({ actions: [Copy, Index, Import], logger: silentLogger }, async (world) => {
      const suspended = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
      const triggered = world.trigger(Import);
      await probe.until(() => handles.length === 1);
      await suspended;
      const during = (await world.executionPlan(triggered.id))!;
      const step = stepOf(during, 'Copy', 'run');
      expect(step.progress).toBe(stored);
      const warnings = (await world.stepLog(triggered.id, step.id)).filter(
        (line) => line.level === 'warn',
      );
      // A value that is not a finite number is reported in the step log; clamping is silent.
      expect(warnings).toHaveLength(typeof value === 'number' && Number.isFinite(value) ? 0 : 1);
    });
  });

  it('rejects a bad progressWeight() at planning with INVALID_ACTION', async () => {
    class Heavy extends Action {
      override progressWeight() {
        return -1;
      }
      run() {}
    }
    await withWorld({ actions: [Heavy], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Heavy).finished;
      expect(plan.state).toBe('stopped');
      const planStep = stepOf(plan, 'Heavy', 'plan');
      expect(planStep.error?.code).toBe(ErrorCode.INVALID_ACTION);
      expect(planStep.error?.message).toContain("progressWeight('run') of Heavy");
    });
  });

  it('keeps the default weight 1 and ignores progressDone for actions that do not override them', async () => {
    class Plain extends Action {
      run() {}
      finalize() {}
    }
    await withWorld({ actions: [Plain], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Plain).finished;
      expect(plan.steps.filter((s) => s.phase !== 'plan').map((s) => s.progressWeight)).toEqual([
        1, 1,
      ]);
      expect(plan.progress).toBe(1);
    });
  });
});
