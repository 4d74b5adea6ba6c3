import { describe, expect, it } from 'vitest';
import { Action } from '../../src/index.js';
import { withWorld } from '../helpers/world.js';

describe('many plans', () => {
  it('1 000 plans triggered at once all finish with success', async () => {
    const ran = new Map<string, number>();

    class Step extends Action<{ n: number }, { n: number }> {
      override plan(n: number) {
        this.planSelf({ n });
      }
      async run() {
        ran.set(this.executionPlanId, (ran.get(this.executionPlanId) ?? 0) + 1);
        this.output.n = this.input.n;
      }
    }

    class Job extends Action<{ index: number }, { sum: number }> {
      override plan(index: number) {
        this.sequence(() => {
          const first = this.planAction(Step, index);
          this.planAction(Step, index + 1);
          this.planSelf({ index: first.output.n });
        });
      }
      run() {
        this.output.sum = this.input.index;
      }
    }

    await withWorld({ actions: [Step, Job] }, async (world) => {
      const triggered = Array.from({ length: 1000 }, (_, i) => world.trigger(Job, i));
      expect(new Set(triggered.map((t) => t.id)).size).toBe(1000);
      const plans = await Promise.all(triggered.map((t) => t.finished));

      plans.forEach((plan, i) => {
        expect(plan.state).toBe('stopped');
        expect(plan.result).toBe('success');
        expect(plan.steps.filter((s) => s.phase === 'run')).toHaveLength(3);
        expect(plan.actions[0]?.output).toEqual({ sum: i });
        expect(ran.get(plan.id)).toBe(2);
      });
      const stored = await world.executionPlans({ state: 'stopped', result: 'success' });
      expect(stored).toHaveLength(1000);
    });
  });
});
