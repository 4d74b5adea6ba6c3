import { describe, expect, it } from 'vitest';
import { Action } from '../../src/index.js';
import type { Planned } from '../../src/index.js';
import { actionOf, actionsOf, deferred, stepOf, withWorld } from '../helpers/world.js';

class CoreAction extends Action<{ name: string; size: number }, { x: string }> {
  override plan(name: string, size: number) {
    this.planSelf({ name, size });
  }
  run() {
    this.output.x = `core:${this.input.name}`;
  }
}

describe('subscriptions', () => {
  it('a subscriber is planned whenever the core action is, with the same arguments, and this.trigger is its handle', async () => {
    const triggers: (Planned | undefined)[] = [];
    const handles: Planned[] = [];

    class Plugin extends Action<{ args: unknown[] }> {
      static override subscribe() {
        return CoreAction;
      }
      override plan(...args: unknown[]) {
        triggers.push(this.trigger);
        this.planSelf({ args });
      }
      run() {}
    }

    class Parent extends Action {
      override plan() {
        handles.push(this.planAction(CoreAction, 'a', 1));
        handles.push(this.planAction(CoreAction, 'b', 2));
      }
    }

    await withWorld({ actions: [CoreAction, Plugin, Parent] }, async (world) => {
      const plan = await world.trigger(Parent).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');

      const cores = actionsOf(plan, 'CoreAction');
      const plugins = actionsOf(plan, 'Plugin');
      expect(cores).toHaveLength(2);
      expect(plugins).toHaveLength(2);
      expect(plugins.map((p) => p.input)).toEqual([{ args: ['a', 1] }, { args: ['b', 2] }]);

      // this.trigger is the very handle planAction returned for the triggering action.
      expect(triggers).toHaveLength(2);
      expect(triggers[0]).toBe(handles[0]);
      expect(triggers[1]).toBe(handles[1]);
      expect(triggers.map((t) => t?.id)).toEqual(cores.map((c) => c.id));
      expect(triggers.map((t) => t?.className)).toEqual(['CoreAction', 'CoreAction']);

      // The subscriber's parent is the action that triggered it.
      expect(plugins.map((p) => p.parentId)).toEqual(cores.map((c) => c.id));
      // Subscribers run like any other action.
      for (const plugin of plugins) {
        expect(plan.steps.find((s) => s.id === plugin.runStepId)?.state).toBe('success');
      }
    });
  });

  it('a subscriber is planned when the core action is the triggered root action', async () => {
    let seen: Planned | undefined;

    class Plugin extends Action {
      static override subscribe() {
        return [CoreAction];
      }
      override plan() {
        seen = this.trigger;
        this.planSelf({});
      }
      run() {}
    }

    await withWorld({ actions: [CoreAction, Plugin] }, async (world) => {
      const plan = await world.trigger(CoreAction, 'root', 7).finished;
      expect(plan.result).toBe('success');
      const core = actionOf(plan, 'CoreAction');
      const plugin = actionOf(plan, 'Plugin');
      expect(core.id).toBe(plan.rootActionId);
      expect(seen?.id).toBe(core.id);
      expect(seen?.input).toEqual({ name: 'root', size: 7 });
      expect(plugin.parentId).toBe(core.id);
    });
  });

  it('a subscriber using this.trigger.output in its input runs after the core action and gets the value', async () => {
    const order: string[] = [];

    class Core extends CoreAction {
      override run() {
        order.push('core');
        super.run();
      }
    }

    class Follower extends Action<{ fromCore: string }> {
      static override subscribe() {
        return Core;
      }
      override plan() {
        const trigger = this.trigger as Planned<Core>;
        this.planSelf({ fromCore: trigger.output.x });
      }
      run() {
        order.push(`follower:${this.input.fromCore}`);
      }
    }

    await withWorld({ actions: [Core, Follower] }, async (world) => {
      const plan = await world.trigger(Core, 'n', 1).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(order).toEqual(['core', 'follower:core:n']);
      expect(stepOf(plan, 'Follower', 'run').requires).toEqual([stepOf(plan, 'Core', 'run').id]);
    });
  });

  it('a subscriber that does not reference the core action runs concurrently with its flow', async () => {
    const started = new Set<string>();
    const bothStarted = deferred();
    const arrive = async (who: string) => {
      started.add(who);
      if (started.size === 2) bothStarted.resolve();
      // Only opens once both are running: the plan finishes only if they overlap.
      await bothStarted.promise;
    };

    class SlowCore extends Action {
      override plan(_name: string) {
        this.sequence(() => {
          this.planSelf({});
          this.planAction(AfterCore);
        });
      }
      async run() {
        await arrive('core');
      }
    }

    class AfterCore extends Action {
      run() {
        started.add('after-core');
      }
    }

    class Observer extends Action {
      static override subscribe() {
        return SlowCore;
      }
      override plan() {
        this.planSelf({});
      }
      async run() {
        expect(started.has('after-core')).toBe(false);
        await arrive('observer');
      }
    }

    await withWorld({ actions: [SlowCore, AfterCore, Observer] }, async (world) => {
      const plan = await world.trigger(SlowCore, 'x').finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(started).toEqual(new Set(['core', 'observer', 'after-core']));
      expect(stepOf(plan, 'Observer', 'run').requires).toBeUndefined();
      // The subscriber sits beside the core action's flow, not inside its sequence.
      expect(plan.runFlow).toEqual({
        type: 'concurrence',
        flows: [
          {
            type: 'sequence',
            flows: [
              { type: 'atom', stepId: stepOf(plan, 'SlowCore', 'run').id },
              { type: 'atom', stepId: stepOf(plan, 'AfterCore', 'run').id },
            ],
          },
          { type: 'atom', stepId: stepOf(plan, 'Observer', 'run').id },
        ],
      });
    });
  });
});
