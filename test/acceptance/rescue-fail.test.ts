import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import type { RescueStrategy } from '../../src/index.js';
import { expectFlowlineError, rejectionOf, stepOf, withWorld } from '../helpers/world.js';

describe('rescue: fail', () => {
  it('a failing step whose action says fail stops the plan with error; later steps never run', async () => {
    const ran: string[] = [];

    class Critical extends Action {
      override plan() {
        this.planSelf({});
      }
      override rescueStrategy(): RescueStrategy {
        return 'fail';
      }
      run() {
        ran.push('critical');
        throw new RangeError('quota exceeded');
      }
      finalize() {
        ran.push('critical:finalize');
      }
    }

    class Later extends Action {
      override plan() {
        this.planSelf({});
      }
      run() {
        ran.push('later');
      }
      finalize() {
        ran.push('later:finalize');
      }
    }

    class Root extends Action {
      override plan() {
        this.sequence(() => {
          this.planAction(Critical);
          this.planAction(Later);
        });
      }
    }

    await withWorld({ actions: [Critical, Later, Root], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Root).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      expect(plan.endedAt).toBeDefined();

      const critical = stepOf(plan, 'Critical', 'run');
      expect(critical.state).toBe('error');
      expect(critical.error).toMatchObject({ className: 'RangeError', message: 'quota exceeded' });
      expect(stepOf(plan, 'Later', 'run').state).toBe('pending');
      expect(stepOf(plan, 'Critical', 'finalize').state).toBe('pending');
      expect(stepOf(plan, 'Later', 'finalize').state).toBe('pending');
      expect(ran).toEqual(['critical']);

      // A stopped plan cannot be resumed.
      const error = await rejectionOf(world.resume(plan.id));
      expectFlowlineError(error, 'INVALID_PLAN_STATE');
      expect(ran).toEqual(['critical']);
      const stored = await world.executionPlan(plan.id);
      expect(stored?.state).toBe('stopped');
      expect(stored?.result).toBe('error');
    });
  });
});
