import { describe, expect, it } from 'vitest';
import type { ExecutionPlan, HookEvent } from '../../src/index.js';
import { Action, ExecutionPlanHooks, FlowlineError, World } from '../../src/index.js';
import { recordingLogger, withWorld } from '../helpers/world.js';

const calls: string[] = [];

class Deploy extends Action {
  static override executionPlanHooks = Action.executionPlanHooks
    .use('everyState')
    .use('onOutcome', { on: ['success', 'failure'] });

  run() {
    calls.push('run');
  }

  everyState(plan: ExecutionPlan, event: HookEvent) {
    calls.push(`every:${event}`);
    expect(plan.id).toBe(this.executionPlanId);
  }

  onOutcome(plan: ExecutionPlan, event: HookEvent) {
    calls.push(`outcome:${event}:${plan.result}`);
  }
}

class QuietDeploy extends Deploy {
  static override readonly actionName = 'QuietDeploy';
  static override executionPlanHooks = Deploy.executionPlanHooks.doNotUse('everyState');
}

class Broken extends Action {
  static override executionPlanHooks = Action.executionPlanHooks.use('explode', { on: 'stopped' });
  run() {
    throw new Error('deploy failed');
  }
  override rescueStrategy() {
    return 'fail' as const;
  }
  explode() {
    calls.push('explode');
    throw new Error('hook bug');
  }
}

describe('execution-plan hooks', () => {
  it('a hook registered without `on` fires once per state the plan passes, in order', async () => {
    calls.length = 0;
    await withWorld({ actions: [Deploy] }, async (world) => {
      const plan = await world.trigger(Deploy).finished;
      expect(plan.result).toBe('success');
    });
    expect(calls.filter((c) => c.startsWith('every:'))).toEqual([
      'every:planning',
      'every:planned',
      'every:running',
      'every:stopped',
    ]);
    expect(calls).toContain('outcome:success:success');
    expect(calls).not.toContain('outcome:failure:success');
  });

  it('a subclass can remove an inherited hook', async () => {
    calls.length = 0;
    await withWorld({ actions: [QuietDeploy] }, async (world) => {
      await world.trigger(QuietDeploy).finished;
    });
    expect(calls).toEqual(['run', 'outcome:success:success']);
  });

  it('a hook that throws is logged and does not change the result', async () => {
    calls.length = 0;
    const logger = recordingLogger();
    await withWorld({ actions: [Broken], logger }, async (world) => {
      const plan = await world.trigger(Broken).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
    });
    expect(calls).toEqual(['explode']);
    expect(
      logger.entries.some((e) => e.level === 'error' && e.message.includes('Broken.explode')),
    ).toBe(true);
  });

  it('bad hooks are refused clearly', () => {
    expect(() => Action.executionPlanHooks.use('x', { on: 'finished' as HookEvent })).toThrow(
      FlowlineError,
    );
    class Typo extends Action {
      static override executionPlanHooks = Action.executionPlanHooks.use('notifyy');
      notify() {}
    }
    let thrown: unknown;
    try {
      new World({ actions: [Typo] });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as FlowlineError).code).toBe('INVALID_ACTION');
    expect((thrown as FlowlineError).message).toContain('"notifyy"');
    expect(new ExecutionPlanHooks().empty).toBe(true);
  });
});
