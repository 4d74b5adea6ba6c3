import { describe, expect, it } from 'vitest';
import { Action } from '../../src/index.js';
import type { Deferred } from '../helpers/world.js';
import { Probe, deferred, withWorld } from '../helpers/world.js';

const PLANS = 20;
const STEPS_PER_PLAN = 5;
const CONCURRENCY = 3;

describe('world concurrency', () => {
  it('never has more than `concurrency` run() calls in progress, across all plans', async () => {
    const probe = new Probe();
    // run() calls in progress, each waiting for the test to release it (oldest first).
    const inProgress: Deferred<void>[] = [];
    let max = 0;
    let calls = 0;

    class Unit extends Action<{ n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      async run() {
        calls++;
        const gate = deferred();
        inProgress.push(gate);
        max = Math.max(max, inProgress.length);
        probe.poke();
        await gate.promise;
      }
    }

    class Batch extends Action {
      override plan() {
        this.concurrence(() => {
          for (let n = 0; n < STEPS_PER_PLAN; n++) this.planAction(Unit, n);
        });
      }
    }

    await withWorld({ actions: [Unit, Batch], concurrency: CONCURRENCY }, async (world) => {
      const triggered = Array.from({ length: PLANS }, () => world.trigger(Batch));
      const total = PLANS * STEPS_PER_PLAN;
      let peaks = 0;
      for (let released = 0; released < total; released++) {
        // Wait until the pool is as full as it can be, then let the oldest call finish.
        const expected = Math.min(CONCURRENCY, total - released);
        await probe.until(() => inProgress.length >= expected);
        expect(inProgress.length).toBe(expected);
        if (inProgress.length === CONCURRENCY) peaks++;
        inProgress.shift()?.resolve();
      }

      const plans = await Promise.all(triggered.map((t) => t.finished));
      expect(calls).toBe(total);
      expect(max).toBe(CONCURRENCY);
      expect(peaks).toBe(total - CONCURRENCY + 1);
      for (const plan of plans) {
        expect(plan.state).toBe('stopped');
        expect(plan.result).toBe('success');
        expect(plan.steps.filter((s) => s.phase === 'run')).toHaveLength(STEPS_PER_PLAN);
      }
    });
  });
});
