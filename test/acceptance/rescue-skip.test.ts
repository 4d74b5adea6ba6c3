import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import type { RescueStrategy } from '../../src/index.js';
import { recordingLogger, stepOf, withWorld } from '../helpers/world.js';

function scenario() {
  const ran: string[] = [];

  /** Fails, and asks for its failure to be skipped. */
  class Optional extends Action<{ what: string }, { value: string }> {
    override plan() {
      this.planSelf({ what: 'cache' });
    }
    override rescueStrategy(): RescueStrategy {
      return 'skip';
    }
    run() {
      ran.push('optional');
      throw new Error('cache warm-up failed');
    }
    finalize() {
      ran.push('optional:finalize');
    }
  }

  /** Merely follows Optional in a sequence. */
  class Follower extends Action {
    override plan() {
      this.planSelf({});
    }
    run() {
      ran.push('follower');
    }
    finalize() {
      ran.push('follower:finalize');
    }
  }

  /** Takes Optional's output by reference. */
  class Consumer extends Action<{ value: string }> {
    override plan(value: string) {
      this.planSelf({ value });
    }
    run() {
      ran.push(`consumer:${this.input.value}`);
    }
    finalize() {
      ran.push('consumer:finalize');
    }
  }

  class Root extends Action {
    override plan() {
      const optional = this.sequence(() => {
        const planned = this.planAction(Optional);
        this.planAction(Follower);
        return planned;
      });
      this.planAction(Consumer, optional.output.value);
    }
  }

  return { ran, actions: [Optional, Follower, Consumer, Root], Root };
}

describe('rescue: skip', () => {
  it('a failing step whose action says skip is skipped and the plan goes on to stopped/warning', async () => {
    const { ran, actions, Root } = scenario();
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Root).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('warning');
      expect(plan.progress).toBe(1);

      expect(stepOf(plan, 'Optional', 'run').state).toBe('skipped');
      // The step that takes its output by reference is skipped too, and never ran.
      expect(stepOf(plan, 'Consumer', 'run').state).toBe('skipped');
      expect(ran.some((entry) => entry.startsWith('consumer'))).toBe(false);
      // A step merely following it in a sequence still runs.
      expect(stepOf(plan, 'Follower', 'run').state).toBe('success');
      // Its finalize step is skipped; the follower's still runs.
      expect(stepOf(plan, 'Optional', 'finalize').state).toBe('skipped');
      expect(stepOf(plan, 'Consumer', 'finalize').state).toBe('skipped');
      expect(stepOf(plan, 'Follower', 'finalize').state).toBe('success');
      expect(ran).toEqual(['optional', 'follower', 'follower:finalize']);
    });
  });

  it('a step skipped with the failed one is never handed to a worker (no "claimed elsewhere" warning)', async () => {
    const { actions, Root } = scenario();
    const logger = recordingLogger();
    await withWorld({ actions, logger }, async (world) => {
      const plan = await world.trigger(Root).finished;
      expect(plan.result).toBe('warning');
      expect(stepOf(plan, 'Consumer', 'run').state).toBe('skipped');
      // The skip is the action's own choice: the engine has nothing to warn about.
      expect(logger.entries.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([]);
    });
  });
});
