import { describe, expect, it } from 'vitest';
import { Action } from '../../src/index.js';
import { actionsOf, deferred, withWorld } from '../helpers/world.js';

/** The DESIGN.md example, instrumented: what ran, in which order, with which input. */
function infrastructure() {
  const log: string[] = [];
  const received = new Map<string, string | undefined>();
  const started = new Set<string>();
  // host1 and host2 each wait here; it opens only once both have started, so the plan can only
  // finish if they really run at the same time.
  const bothStarted = deferred();

  class CreateMachine extends Action<
    { name: string; profile: string; dbId?: string },
    { id: string }
  > {
    override plan(name: string, profile: string, deps: { dbId?: string } = {}) {
      this.planSelf({ name, profile, ...deps });
    }

    async run() {
      const { name, profile, dbId } = this.input;
      log.push(`run:${name}:start`);
      received.set(name, dbId);
      if (name === 'host1' || name === 'host2') {
        started.add(name);
        if (started.size === 2) bothStarted.resolve();
        await bothStarted.promise;
      }
      this.output.id = `${name}:${profile}`;
      log.push(`run:${name}:end`);
    }

    finalize() {
      log.push(`finalize:${this.input.name}`);
    }
  }

  class CreateInfrastructure extends Action {
    override plan() {
      this.sequence(() => {
        const [db] = this.concurrence(
          () =>
            [
              this.planAction(CreateMachine, 'host1', 'db'),
              this.planAction(CreateMachine, 'host2', 'storage'),
            ] as const,
        );
        this.planAction(CreateMachine, 'host3', 'web_server', { dbId: db.output.id });
      });
    }
  }

  return { log, received, CreateMachine, CreateInfrastructure };
}

describe('the DESIGN.md infrastructure example', () => {
  it('runs host1 and host2 at the same time, then host3 with host1 output, then finalizes in planSelf order', async () => {
    const { log, received, CreateMachine, CreateInfrastructure } = infrastructure();
    await withWorld({ actions: [CreateMachine, CreateInfrastructure] }, async (world) => {
      const triggered = world.trigger(CreateInfrastructure);
      expect(typeof triggered.id).toBe('string');
      const planned = await triggered.planned;
      expect(planned.id).toBe(triggered.id);
      expect(planned.state).toBe('planned');

      const plan = await triggered.finished;
      expect(plan.id).toBe(triggered.id);
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.progress).toBe(1);
      expect(plan.label).toBe('CreateInfrastructure');
      expect(plan.steps.every((step) => step.state === 'success')).toBe(true);

      // host1 and host2 overlapped (the gate only opens when both started), host3 came after both.
      const at = (entry: string) => {
        const index = log.indexOf(entry);
        expect(index, entry).toBeGreaterThanOrEqual(0);
        return index;
      };
      expect(at('run:host2:start')).toBeLessThan(at('run:host1:end'));
      expect(at('run:host1:start')).toBeLessThan(at('run:host2:end'));
      expect(at('run:host3:start')).toBeGreaterThan(at('run:host1:end'));
      expect(at('run:host3:start')).toBeGreaterThan(at('run:host2:end'));

      // host3 received host1's output through the output reference.
      expect(received.get('host3')).toBe('host1:db');
      expect(received.get('host1')).toBeUndefined();
      const machines = actionsOf(plan, 'CreateMachine');
      expect(machines.map((m) => m.output)).toEqual([
        { id: 'host1:db' },
        { id: 'host2:storage' },
        { id: 'host3:web_server' },
      ]);
      const [host1, , host3] = machines;
      expect(host3?.input.dbId).toEqual({ $flowlineRef: { actionId: host1?.id, path: ['id'] } });
      const host3Run = plan.steps.find((s) => s.id === host3?.runStepId);
      expect(host3Run?.requires).toEqual([host1?.runStepId]);

      // Finalize: one sequence, in planSelf order, after every run step.
      expect(log.slice(6)).toEqual(['finalize:host1', 'finalize:host2', 'finalize:host3']);
      expect(log.slice(0, 6).every((entry) => entry.startsWith('run:'))).toBe(true);
      expect(plan.finalizeFlow).toEqual({
        type: 'sequence',
        flows: machines.map((m) => ({ type: 'atom', stepId: m.finalizeStepId })),
      });
    });
  });

  it('a parent that plans its children first and then itself finalizes last', async () => {
    const order: string[] = [];

    class Child extends Action<{ name: string }> {
      override plan(name: string) {
        this.planSelf({ name });
      }
      run() {
        order.push(`run:${this.input.name}`);
      }
      finalize() {
        order.push(`finalize:${this.input.name}`);
      }
    }

    class Parent extends Action {
      override plan() {
        this.planAction(Child, 'a');
        this.planAction(Child, 'b');
        this.planSelf({});
      }
      finalize() {
        order.push('finalize:parent');
      }
    }

    await withWorld({ actions: [Child, Parent] }, async (world) => {
      const plan = await world.trigger(Parent).finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(order.slice(0, 2).sort()).toEqual(['run:a', 'run:b']);
      expect(order.slice(2)).toEqual(['finalize:a', 'finalize:b', 'finalize:parent']);
    });
  });
});
