import { afterEach, describe, expect, it } from 'vitest';
import { ActionRegistry } from '../../src/action/registry.js';
import type { ActionClass, ExecutionPlan, RescueStrategy, StepRecord } from '../../src/index.js';
import { Action, FlowlineError, World, silentLogger } from '../../src/index.js';
import { caughtFlowlineError as caught } from '../helpers/errors.js';

const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function startWorld(...actions: ActionClass[]): Promise<World> {
  const world = new World({ actions, logger: silentLogger });
  worlds.push(world);
  await world.start();
  return world;
}

function stepsOf(plan: ExecutionPlan, phase: StepRecord['phase']): StepRecord[] {
  return plan.steps.filter((s) => s.phase === phase);
}

/** The plan ended stopped/error in planning, with `code` on the plan step of action `actionId`. */
function expectPlanningFailure(
  plan: ExecutionPlan,
  code: string | undefined,
  actionId = 1,
): StepRecord {
  expect(plan.state).toBe('stopped');
  expect(plan.result).toBe('error');
  const step = plan.steps.find((s) => s.phase === 'plan' && s.actionId === actionId);
  expect(step?.state).toBe('error');
  expect(step?.error?.code).toBe(code);
  for (const s of plan.steps) if (s.phase !== 'plan') expect(s.state).toBe('pending');
  return step as StepRecord;
}

class Leaf extends Action<{ n?: number }, { doubled: number }> {
  run() {
    this.output.doubled = (this.input.n ?? 0) * 2;
  }
}

describe('phase misuse', () => {
  class MisuseInRun extends Action<{ which: string }> {
    override rescueStrategy(): RescueStrategy {
      return 'fail';
    }
    run() {
      switch (this.input.which) {
        case 'planSelf':
          this.planSelf({ which: 'again' });
          break;
        case 'planAction':
          this.planAction(Leaf, { n: 1 });
          break;
        case 'sequence':
          this.sequence(() => 1);
          break;
        case 'concurrence':
          this.concurrence(() => 1);
          break;
      }
    }
  }

  for (const which of ['planSelf', 'planAction', 'sequence', 'concurrence']) {
    it(`${which}() in run() fails the step with PHASE_MISUSE`, async () => {
      const world = await startWorld(MisuseInRun, Leaf);
      const plan = await world.trigger(MisuseInRun, { which }).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const [run] = stepsOf(plan, 'run');
      expect(run?.state).toBe('error');
      expect(run?.error?.code).toBe('PHASE_MISUSE');
      expect(run?.error?.message).toContain(`${which} can only be called in plan()`);
      expect(plan.actions).toHaveLength(1);
    });
  }

  it('suspend() in plan() ends planning with PHASE_MISUSE', async () => {
    class SuspendsInPlan extends Action {
      override plan() {
        this.suspend();
      }
    }
    const world = await startWorld(SuspendsInPlan);
    const plan = await world.trigger(SuspendsInPlan).finished;
    expectPlanningFailure(plan, 'PHASE_MISUSE');
  });

  it('an instance made with new cannot use the planning DSL or its bound properties', () => {
    const leaf = new Leaf();
    const uses: [string, () => unknown][] = [
      ['planSelf', () => leaf.planSelf({ n: 1 })],
      ['planAction', () => leaf.planAction(Leaf, {})],
      ['sequence', () => leaf.sequence(() => 1)],
      ['concurrence', () => leaf.concurrence(() => 1)],
      ['input', () => leaf.input],
      ['output', () => leaf.output],
      ['id', () => leaf.id],
      ['executionPlanId', () => leaf.executionPlanId],
      ['suspend', () => leaf.suspend()],
    ];
    for (const [what, use] of uses) {
      const error = caught(use);
      expect(error.code, what).toBe('PHASE_MISUSE');
      expect(error.message).toContain(`Leaf.${what}`);
      expect(error.message).toContain('new');
    }
  });

  it('rescueStrategy() of an instance made with new still works (no engine state needed)', () => {
    expect(new Leaf().rescueStrategy()).toBe('pause');
  });
});

describe('registry', () => {
  it('registering something that is not an Action class → INVALID_ACTION', () => {
    const registry = new ActionRegistry();
    class NotAnAction {
      run() {}
    }
    for (const bad of [NotAnAction, () => undefined, 42, undefined, Action]) {
      const error = caught(() => {
        registry.register(bad as unknown as ActionClass);
      });
      expect(error.code).toBe('INVALID_ACTION');
    }
    expect(
      caught(() => {
        registry.register(NotAnAction as unknown as ActionClass);
      }).message,
    ).toContain('NotAnAction');
  });

  it('an anonymous class → INVALID_ACTION', () => {
    const anonymous = (() => class extends Action {})();
    expect(anonymous.name).toBe('');
    expect(caught(() => new ActionRegistry().register(anonymous)).code).toBe('INVALID_ACTION');
  });

  it('new World and world.register refuse non-actions', async () => {
    class Plain {
      run() {}
    }
    expect(
      caught(() => new World({ actions: [Plain as unknown as ActionClass], logger: silentLogger }))
        .code,
    ).toBe('INVALID_ACTION');
    const world = await startWorld();
    expect(
      caught(() => {
        world.register(Plain as unknown as ActionClass);
      }).code,
    ).toBe('INVALID_ACTION');
  });

  it('two different classes with the same name → DUPLICATE_ACTION_NAME', () => {
    const First = (() => class Dup extends Action {})();
    const Second = (() => class Dup extends Action {})();
    const registry = new ActionRegistry();
    registry.register(First);
    const error = caught(() => {
      registry.register(Second);
    });
    expect(error.code).toBe('DUPLICATE_ACTION_NAME');
    expect(error.message).toContain('"Dup"');
    expect(registry.classOf('Dup')).toBe(First);
    expect(caught(() => new World({ actions: [First, Second], logger: silentLogger })).code).toBe(
      'DUPLICATE_ACTION_NAME',
    );
  });

  it('a static actionName that collides with a class name → DUPLICATE_ACTION_NAME', () => {
    class Target extends Action {}
    class Impostor extends Action {
      static override readonly actionName = 'Target';
    }
    expect(caught(() => new ActionRegistry().register(Target, Impostor)).code).toBe(
      'DUPLICATE_ACTION_NAME',
    );
  });

  it('registering the same class twice is harmless', () => {
    const registry = new ActionRegistry();
    registry.register(Leaf, Leaf);
    registry.register(Leaf);
    expect(registry.nameOf(Leaf)).toBe('Leaf');
  });

  it('an unregistered class → ACTION_NOT_REGISTERED from trigger, and nothing is stored', async () => {
    class Unknown extends Action {
      run() {}
    }
    const world = await startWorld(Leaf);
    const error = caught(() => world.trigger(Unknown));
    expect(error.code).toBe('ACTION_NOT_REGISTERED');
    expect(error.message).toContain('Unknown');
    expect(await world.executionPlans()).toEqual([]);
  });

  it('static actionName is the stored name', async () => {
    class Charge extends Action<{ cents: number }> {
      static override readonly actionName = 'billing.Charge';
      run() {}
      finalize() {}
    }
    const registry = new ActionRegistry();
    registry.register(Charge);
    expect(registry.nameOf(Charge)).toBe('billing.Charge');
    expect(registry.classOf('billing.Charge')).toBe(Charge);
    expect(registry.classOf('Charge')).toBeUndefined();

    const world = await startWorld(Charge);
    const plan = await world.trigger(Charge, { cents: 5 }).finished;
    expect(plan.result).toBe('success');
    expect(plan.label).toBe('billing.Charge');
    expect(plan.actions.map((a) => a.className)).toEqual(['billing.Charge']);
    expect(plan.steps.map((s) => s.className)).toEqual([
      'billing.Charge',
      'billing.Charge',
      'billing.Charge',
    ]);
  });
});

describe('default plan()', () => {
  it('plans itself with the first argument as input when run is defined', async () => {
    const world = await startWorld(Leaf);
    const plan = await world.trigger(Leaf, { n: 21 }, 'ignored').finished;
    expect(plan.result).toBe('success');
    expect(plan.actions[0]?.input).toEqual({ n: 21 });
    expect(plan.actions[0]?.output).toEqual({ doubled: 42 });
    expect(plan.steps.map((s) => s.phase)).toEqual(['plan', 'run']);
    expect(plan.actions[0]?.runStepId).toBe(2);
    expect(plan.actions[0]?.finalizeStepId).toBeUndefined();
  });

  it('uses {} as input without arguments', async () => {
    const world = await startWorld(Leaf);
    const plan = await world.trigger(Leaf).finished;
    expect(plan.actions[0]?.input).toEqual({});
    expect(plan.actions[0]?.output).toEqual({ doubled: 0 });
  });

  it('plans a finalize step when only finalize is defined', async () => {
    const calls: unknown[] = [];
    class OnlyFinalize extends Action<{ tag: string }> {
      finalize() {
        calls.push(this.input.tag);
      }
    }
    const world = await startWorld(OnlyFinalize);
    const plan = await world.trigger(OnlyFinalize, { tag: 't' }).finished;
    expect(plan.steps.map((s) => s.phase)).toEqual(['plan', 'finalize']);
    expect(plan.result).toBe('success');
    expect(calls).toEqual(['t']);
  });

  it('plans nothing when neither run nor finalize is defined', async () => {
    class Empty extends Action {}
    const world = await startWorld(Empty);
    const plan = await world.trigger(Empty, { x: 1 }).finished;
    expect(plan.steps.map((s) => s.phase)).toEqual(['plan']);
    expect(plan.actions[0]?.input).toEqual({});
    expect(plan.state).toBe('stopped');
    expect(plan.result).toBe('success');
  });
});

describe('planning errors', () => {
  it('planSelf twice → plan stopped/error with PHASE_MISUSE on the plan step', async () => {
    class Twice extends Action {
      override plan() {
        this.planSelf({});
        this.planSelf({});
      }
      run() {}
    }
    const world = await startWorld(Twice);
    const triggered = world.trigger(Twice);
    const planned = await triggered.planned;
    const step = expectPlanningFailure(planned, 'PHASE_MISUSE');
    expect(step.error?.message).toContain('planSelf was called twice');
    expect(await triggered.finished).toEqual(planned);
  });

  for (const kind of ['sequence', 'concurrence'] as const) {
    it(`a ${kind}() callback returning a promise → PHASE_MISUSE`, async () => {
      class AsyncCallback extends Action {
        override plan() {
          // the returned promise is what is under test; it resolves on its own
          void this[kind](async () => {
            await Promise.resolve();
          });
        }
      }
      const world = await startWorld(AsyncCallback);
      const plan = await world.trigger(AsyncCallback).finished;
      const step = expectPlanningFailure(plan, 'PHASE_MISUSE');
      expect(step.error?.message).toContain(`${kind}() returned a promise`);
    });
  }

  it('a child whose plan throws: its plan step has the error, the parent is aborted, nothing runs', async () => {
    let runs = 0;
    class Child extends Action {
      override plan() {
        throw new Error('child exploded');
      }
    }
    class Parent extends Action {
      override plan() {
        this.planSelf({});
        this.planAction(Child);
      }
      run() {
        runs++;
      }
    }
    const world = await startWorld(Parent, Child);
    const plan = await world.trigger(Parent).finished;
    const childStep = expectPlanningFailure(plan, undefined, 2);
    expect(childStep.error?.message).toBe('child exploded');
    const parentStep = plan.steps.find((s) => s.phase === 'plan' && s.actionId === 1);
    expect(parentStep?.error?.code).toBe('PLANNING_ABORTED');
    expect(runs).toBe(0);
  });
});

describe('output references', () => {
  class Producer extends Action<{ name: string }, { id: string; nested: { port: number } }> {
    run() {
      this.output.id = `id-${this.input.name}`;
      this.output.nested = { port: 8080 };
    }
  }

  it('are resolved from the persisted output, and order the consumer after the producer', async () => {
    const order: string[] = [];
    class Consumer extends Action<{ id: string; port: number }, { seen: string }> {
      run() {
        order.push('consumer');
        this.output.seen = `${this.input.id}:${this.input.port}`;
      }
    }
    class Tracked extends Producer {
      override run() {
        order.push('producer');
        super.run();
      }
    }
    class Wiring extends Action {
      override plan() {
        this.concurrence(() => {
          const producer = this.planAction(Tracked, { name: 'a' });
          this.planAction(Consumer, { id: producer.output.id, port: producer.output.nested.port });
        });
      }
    }
    const world = await startWorld(Wiring, Consumer, Tracked);
    const plan = await world.trigger(Wiring).finished;
    expect(plan.result).toBe('success');
    const consumer = plan.actions.find((a) => a.className === 'Consumer');
    expect(consumer?.input).toEqual({
      id: { $flowlineRef: { actionId: 2, path: ['id'] } },
      port: { $flowlineRef: { actionId: 2, path: ['nested', 'port'] } },
    });
    expect(consumer?.output).toEqual({ seen: 'id-a:8080' });
    const consumerRun = plan.steps.find((s) => s.id === consumer?.runStepId);
    expect(consumerRun?.requires).toEqual([plan.actions[1]?.runStepId]);
    expect(order).toEqual(['producer', 'consumer']);
  });

  it('used in a template string → PHASE_MISUSE', async () => {
    class Stringifies extends Action {
      override plan() {
        const producer = this.planAction(Producer, { name: 'a' });
        this.planSelf({ label: `machine ${producer.output.id}` });
      }
      run() {}
    }
    const world = await startWorld(Stringifies, Producer);
    const plan = await world.trigger(Stringifies).finished;
    const step = expectPlanningFailure(plan, 'PHASE_MISUSE');
    expect(step.error?.message).toContain('output.id of action 2');
  });

  it('cannot be written to during planning', async () => {
    class Writes extends Action {
      override plan() {
        const producer = this.planAction(Producer, { name: 'a' });
        (producer.output as unknown as Record<string, unknown>).id = 'forced';
      }
    }
    const world = await startWorld(Writes, Producer);
    expectPlanningFailure(await world.trigger(Writes).finished, 'PHASE_MISUSE');
  });

  it('from another plan are rejected', async () => {
    let leaked: string | undefined;
    let consumerRuns = 0;
    class Leaks extends Action {
      override plan() {
        leaked = this.planAction(Producer, { name: 'a' }).output.id;
      }
    }
    class UsesLeaked extends Action<{ id?: string }> {
      override plan() {
        this.planSelf({ id: leaked });
      }
      run() {
        consumerRuns++;
      }
    }
    const world = await startWorld(Leaks, UsesLeaked, Producer);
    expect((await world.trigger(Leaks).finished).result).toBe('success');
    expect(leaked).toBeDefined();
    const plan = await world.trigger(UsesLeaked).finished;
    const step = expectPlanningFailure(plan, 'UNSERIALIZABLE_VALUE');
    expect(step.error?.message).toContain('another execution plan');
    expect(consumerRuns).toBe(0);
  });

  it('as trigger arguments are rejected at once', async () => {
    let leaked: string | undefined;
    class Leaks extends Action {
      override plan() {
        leaked = this.planAction(Producer, { name: 'a' }).output.id;
      }
    }
    const world = await startWorld(Leaks, Producer, Leaf);
    await world.trigger(Leaks).planned;
    const error = caught(() => world.trigger(Leaf, { n: leaked as unknown as number }));
    expect(error.code).toBe('UNSERIALIZABLE_VALUE');
  });

  it('to the action itself are rejected', async () => {
    // The only way to reach one's own handle: the parent hands it over to an async plan().
    class AsyncSelf extends Action<{ me?: string }, { id: string }> {
      override async plan(me: Promise<string>) {
        this.planSelf({ me: await me });
      }
      run() {}
    }
    class HandsOver extends Action {
      override plan() {
        let give!: (ref: string) => void;
        const handle = this.planAction(
          AsyncSelf,
          new Promise<string>((resolve) => {
            give = resolve;
          }),
        );
        give(handle.output.id);
      }
    }
    const world = await startWorld(HandsOver, AsyncSelf);
    const plan = await world.trigger(HandsOver).finished;
    const step = expectPlanningFailure(plan, 'UNSERIALIZABLE_VALUE', 2);
    expect(step.error?.message).toContain('cannot reference its own output');
  });

  it('to an action without a run step → OUTPUT_REFERENCE_UNRESOLVED', async () => {
    class NoRun extends Action<object, { id: string }> {
      override plan() {
        this.planSelf({});
      }
      finalize() {}
    }
    class UsesNoRun extends Action<{ id?: string }> {
      override plan() {
        const target = this.planAction(NoRun);
        this.planSelf({ id: target.output.id });
      }
      run() {}
    }
    const world = await startWorld(UsesNoRun, NoRun);
    const plan = await world.trigger(UsesNoRun).finished;
    const step = expectPlanningFailure(plan, 'OUTPUT_REFERENCE_UNRESOLVED');
    expect(step.error?.message).toContain('no run step');
  });

  it('that contradict a sequence fail planning with OUTPUT_REFERENCE_UNRESOLVED', async () => {
    let consumerRuns = 0;
    class LateConsumer extends Action<{ id?: string }> {
      override async plan(id: Promise<string>) {
        this.planSelf({ id: await id });
      }
      run() {
        consumerRuns++;
      }
    }
    class Backwards extends Action {
      override plan() {
        this.sequence(() => {
          let give!: (ref: string) => void;
          // the consumer comes first in the sequence but references the producer after it
          this.planAction(
            LateConsumer,
            new Promise<string>((resolve) => {
              give = resolve;
            }),
          );
          give(this.planAction(Producer, { name: 'late' }).output.id);
        });
      }
    }
    const world = await startWorld(Backwards, LateConsumer, Producer);
    const plan = await world.trigger(Backwards).finished;
    expect(plan.state).toBe('stopped');
    expect(plan.result).toBe('error');
    const failed = plan.steps.filter((s) => s.state === 'error');
    expect(failed.map((s) => s.error?.code)).toEqual(['OUTPUT_REFERENCE_UNRESOLVED']);
    expect(failed[0]?.error?.message).toContain('contradict the order');
    expect(consumerRuns).toBe(0);
  });

  it('input data using the reserved $flowlineRef key is refused, never taken for a reference', async () => {
    // Input often comes from outside (HTTP bodies, queues): a "$flowlineRef" key in it must not be
    // taken for a reference and replaced by another action's output.
    class Echo extends Action<{ x?: unknown }, { got?: unknown }> {
      run() {
        this.output.got = this.input.x;
      }
    }
    const forged = { $flowlineRef: { actionId: 1, path: [] } };
    const world = await startWorld(Echo);
    let thrown: unknown;
    try {
      world.trigger(Echo, { x: forged });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlowlineError);
    expect((thrown as FlowlineError).code).toBe('UNSERIALIZABLE_VALUE');
    expect((thrown as FlowlineError).message).toMatch(/x: the key \$flowlineRef is reserved/);
    expect(await world.executionPlans()).toEqual([]);
  });

  it('awaiting a reference does not hang (it is not a thenable)', async () => {
    class AwaitsRef extends Action<{ id?: string }> {
      override async plan() {
        // Promise resolution looks up `then` on the reference, as `await ref` would
        const ref = await Promise.resolve(this.planAction(Producer, { name: 'a' }).output.id);
        this.planSelf({ id: ref });
      }
      run() {}
    }
    const world = await startWorld(AwaitsRef, Producer);
    const plan = await world.trigger(AwaitsRef).finished;
    expect(plan.result).toBe('success');
    expect(plan.actions[0]?.input).toEqual({ id: { $flowlineRef: { actionId: 2, path: ['id'] } } });
  });
});
