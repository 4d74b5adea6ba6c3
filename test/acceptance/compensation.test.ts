import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan, PersistenceAdapter, RescueStrategy } from '../../src/index.js';
import { Action, MemoryAdapter } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { useTestDatabase } from '../helpers/postgres.js';
import {
  deferred,
  expectFlowlineError,
  nextEvent,
  rejectionOf,
  stepOf,
  withWorld,
} from '../helpers/world.js';

/*
 * Compensation (sagas): `world.rollback` and the rescue strategy `rollback` run the `compensate()`
 * of every action whose run step succeeded, latest first, each as a step of its own; the plan then
 * ends stopped/cancelled. Every scenario runs on the memory adapter, on a real SQLite file and on
 * PostgreSQL (the test setup's embedded server).
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => PersistenceAdapter][] = [
  ['memory', () => new MemoryAdapter()],
  [
    'SQLite',
    () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-compensation-'));
      dirs.push(dir);
      return new SqliteAdapter({ filename: path.join(dir, 'flowline.db') });
    },
  ],
];

/** What the actions did, in order: `run:Name` and `undo:Name`. */
let journal: string[] = [];
/** How the failing action ends its run, and how many times `Charge.compensate` fails first. */
let brokenStrategy: RescueStrategy = 'pause';
let chargeUndoFailures = 0;
/** When set, `Charge.compensate` waits for it. */
let chargeUndoGate: Promise<void> | undefined;

class Reserve extends Action<{ sku: string }, { reservation: string }> {
  run() {
    journal.push('run:Reserve');
    this.output.reservation = `r-${this.input.sku}`;
  }
  compensate() {
    journal.push(`undo:Reserve:${this.output.reservation}`);
  }
}

class Charge extends Action<{ amount: number }, { chargeId: string }> {
  static override retry = { retries: 1, minTimeout: 0 };
  run() {
    journal.push('run:Charge');
    this.output.chargeId = 'ch-1';
  }
  async compensate() {
    if (chargeUndoGate !== undefined) await chargeUndoGate;
    if (chargeUndoFailures > 0) {
      chargeUndoFailures--;
      journal.push('undo-failed:Charge');
      throw new Error('the payment provider is down');
    }
    this.log.info('refunded', { chargeId: this.output.chargeId });
    await Promise.resolve();
    journal.push(`undo:Charge:${this.output.chargeId}`);
  }
}

/** Succeeds and has nothing to undo. */
class Notify extends Action {
  run() {
    journal.push('run:Notify');
  }
}

class Ship extends Action {
  run() {
    journal.push('run:Ship');
    throw new Error('the carrier refused the parcel');
  }
  override rescueStrategy(): RescueStrategy {
    return brokenStrategy;
  }
  compensate() {
    journal.push('undo:Ship');
  }
}

/** Never reached: it follows the failing step. */
class Email extends Action {
  run() {
    journal.push('run:Email');
  }
  compensate() {
    journal.push('undo:Email');
  }
}

class Order extends Action {
  override plan() {
    this.sequence(() => {
      this.planAction(Reserve, { sku: 'book' });
      this.planAction(Charge, { amount: 10 });
      this.planAction(Notify);
      this.planAction(Ship);
      this.planAction(Email);
    });
  }
}

/** Runs until the test releases it. */
let blocker = deferred();
class Blocked extends Action {
  async run() {
    await blocker.promise;
  }
}

const actions = [Order, Reserve, Charge, Notify, Ship, Email, Blocked];

function fresh(strategy: RescueStrategy = 'pause', failures = 0): void {
  journal = [];
  brokenStrategy = strategy;
  chargeUndoFailures = failures;
  chargeUndoGate = undefined;
}

function compensateSteps(plan: ExecutionPlan) {
  return plan.steps.filter((step) => step.phase === 'compensate');
}

for (const [store, adapter] of stores) scenarios(store, adapter);

describe('on PostgreSQL', () => {
  const db = useTestDatabase();
  scenarios('PostgreSQL', () => db.freshAdapter());
});

function scenarios(store: string, adapter: () => PersistenceAdapter): void {
  describe(`compensation on ${store}`, () => {
    it('rolling back a paused plan compensates each succeeded run step once, latest first, and stops it cancelled', async () => {
      fresh();
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const paused = await world.trigger(Order).finished;
        expect(paused.state).toBe('paused');
        const plan = await world.rollback(paused.id);
        expect(plan.state).toBe('stopped');
        expect(plan.result).toBe('cancelled');
        expect(journal).toEqual([
          'run:Reserve',
          'run:Charge',
          'run:Notify',
          'run:Ship',
          'undo:Charge:ch-1',
          'undo:Reserve:r-book',
        ]);
        // Only actions whose run step succeeded and that define compensate() get a step.
        const steps = compensateSteps(plan);
        expect(steps.map((s) => s.className)).toEqual(['Charge', 'Reserve']);
        expect(steps.every((s) => s.state === 'success')).toBe(true);
        expect(plan.compensateFlow).toEqual({
          type: 'sequence',
          flows: steps.map((s) => ({ type: 'atom', stepId: s.id })),
        });
        // The failed step keeps its error; the step that never ran is cancelled, not undone.
        expect(stepOf(plan, 'Ship', 'run').state).toBe('error');
        expect(stepOf(plan, 'Email', 'run').state).toBe('cancelled');
        // A compensation's output is the run's output, unchanged; its log is its own.
        const charge = stepOf(plan, 'Charge', 'compensate');
        const log = await world.stepLog(plan.id, charge.id);
        expect(log.map((line) => line.message)).toEqual(['refunded']);
        expect(plan.history.map((h) => h.event)).toContain('rollback execution');
        const stored = await world.executionPlan(plan.id);
        expect(stored?.result).toBe('cancelled');
        expect(compensateSteps(stored as ExecutionPlan)).toHaveLength(2);
      });
    });

    it('compensates in reverse completion order, not plan order', async () => {
      fresh();
      const clock = new ManagedClock();
      const firstDone = deferred();
      const release = deferred();
      const order: string[] = [];
      class Slow extends Action {
        async run() {
          await release.promise;
        }
        compensate() {
          order.push('Slow');
        }
      }
      class Fast extends Action {
        run() {
          firstDone.resolve();
        }
        compensate() {
          order.push('Fast');
        }
      }
      class Fails extends Action {
        run() {
          throw new Error('no');
        }
      }
      class Parallel extends Action {
        override plan() {
          this.sequence(() => {
            this.concurrence(() => {
              this.planAction(Slow);
              this.planAction(Fast);
            });
            this.planAction(Fails);
          });
        }
      }
      await withWorld(
        { actions: [Parallel, Slow, Fast, Fails], adapter: adapter(), clock },
        async (world) => {
          const triggered = world.trigger(Parallel);
          await firstDone.promise;
          await clock.advance(1000);
          release.resolve();
          const paused = await triggered.finished;
          const plan = await world.rollback(paused.id);
          // Fast ended first (lower step id), Slow a second later: Slow is undone first.
          expect(order).toEqual(['Slow', 'Fast']);
          expect(plan.result).toBe('cancelled');
        },
      );
    });

    it('a compensation that fails is retried as its static retry says', async () => {
      fresh('pause', 1);
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const paused = await world.trigger(Order).finished;
        const plan = await world.rollback(paused.id);
        expect(plan.result).toBe('cancelled');
        const charge = stepOf(plan, 'Charge', 'compensate');
        expect(charge.attempts?.map((a) => a.error?.message)).toEqual([
          'the payment provider is down',
          undefined,
        ]);
        expect(journal.filter((entry) => entry.startsWith('undo'))).toEqual([
          'undo-failed:Charge',
          'undo:Charge:ch-1',
          'undo:Reserve:r-book',
        ]);
      });
    });

    it('a compensation that fails after its retries pauses the plan; resume continues the rollback', async () => {
      fresh('pause', 2);
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const paused = await world.trigger(Order).finished;
        const stuck = await world.rollback(paused.id);
        expect(stuck.state).toBe('paused');
        expect(stuck.result).toBe('error');
        expect(stepOf(stuck, 'Charge', 'compensate').state).toBe('error');
        expect(stepOf(stuck, 'Reserve', 'compensate').state).toBe('pending');
        expect(journal).not.toContain('undo:Reserve:r-book');
        const done = await world.resume(stuck.id);
        expect(done.state).toBe('stopped');
        expect(done.result).toBe('cancelled');
        expect(journal.filter((entry) => entry.startsWith('undo'))).toEqual([
          'undo-failed:Charge',
          'undo-failed:Charge',
          'undo:Charge:ch-1',
          'undo:Reserve:r-book',
        ]);
        // Nothing of the forward path ran again.
        expect(journal.filter((entry) => entry === 'run:Ship')).toHaveLength(1);
      });
    });

    it('a rollback paused while a compensation runs lets it finish, then resume goes on with the next', async () => {
      fresh();
      const gate = deferred();
      chargeUndoGate = gate.promise;
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const paused = await world.trigger(Order).finished;
        const compensating = nextEvent(
          world,
          'step:state',
          (e) => e.phase === 'compensate' && e.state === 'running',
        );
        const rollback = world.rollback(paused.id);
        await compensating;
        // pause() resolves once the plan is paused, which waits for the running compensation.
        const pausing = world.pause(paused.id);
        gate.resolve();
        await pausing;
        const halfway = await rollback;
        expect([halfway.state, halfway.result]).toEqual(['paused', 'pending']);
        expect(stepOf(halfway, 'Charge', 'compensate').state).toBe('success');
        expect(stepOf(halfway, 'Reserve', 'compensate').state).toBe('pending');
        const done = await world.resume(paused.id);
        expect([done.state, done.result]).toEqual(['stopped', 'cancelled']);
        expect(journal.filter((entry) => entry.startsWith('undo'))).toEqual([
          'undo:Charge:ch-1',
          'undo:Reserve:r-book',
        ]);
      });
    });

    it('halting a rollback cancels the compensations that have not run', async () => {
      fresh();
      const gate = deferred();
      chargeUndoGate = gate.promise;
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const paused = await world.trigger(Order).finished;
        const compensating = nextEvent(
          world,
          'step:state',
          (e) => e.phase === 'compensate' && e.state === 'running',
        );
        const rollback = world.rollback(paused.id);
        await compensating;
        const halting = world.halt(paused.id);
        gate.resolve();
        await halting;
        const plan = await rollback;
        expect([plan.state, plan.result]).toEqual(['stopped', 'cancelled']);
        expect(stepOf(plan, 'Charge', 'compensate').state).toBe('success');
        expect(stepOf(plan, 'Reserve', 'compensate').state).toBe('cancelled');
        expect(journal).not.toContain('undo:Reserve:r-book');
      });
    });

    it('skipping a failed compensation lets the rollback go on without it', async () => {
      fresh('pause', 2);
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const paused = await world.trigger(Order).finished;
        const stuck = await world.rollback(paused.id);
        await world.skipStep(stuck.id, stepOf(stuck, 'Charge', 'compensate').id);
        const done = await world.rollback(stuck.id);
        expect(done.result).toBe('cancelled');
        expect(stepOf(done, 'Charge', 'compensate').state).toBe('skipped');
        expect(journal).toContain('undo:Reserve:r-book');
        expect(journal).not.toContain('undo:Charge:ch-1');
      });
    });

    it("a step whose rescue strategy is 'rollback' rolls the plan back by itself", async () => {
      fresh('rollback');
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const plan = await world.trigger(Order).finished;
        expect(plan.state).toBe('stopped');
        expect(plan.result).toBe('cancelled');
        expect(journal.slice(-2)).toEqual(['undo:Charge:ch-1', 'undo:Reserve:r-book']);
        expect(plan.history.map((h) => h.event)).toContain('rollback execution');
      });
    });

    it('an automatic rollback cancels a suspended step (asking its action to stop) and does not compensate it', async () => {
      fresh();
      const cancels: boolean[] = [];
      class Waits extends Action {
        run() {
          this.suspend();
        }
        cancel(force: boolean) {
          cancels.push(force);
        }
        compensate() {
          journal.push('undo:Waits');
        }
      }
      class Undoable extends Action {
        run() {}
        compensate() {
          journal.push('undo:Undoable');
        }
      }
      const suspended = deferred();
      class FailsAfter extends Action {
        async run() {
          await suspended.promise;
          throw new Error('no');
        }
        override rescueStrategy(): RescueStrategy {
          return 'rollback';
        }
      }
      class Mixed extends Action {
        override plan() {
          this.planAction(Waits);
          this.planAction(Undoable);
          this.planAction(FailsAfter);
        }
      }
      await withWorld(
        { actions: [Mixed, Waits, Undoable, FailsAfter], adapter: adapter() },
        async (world) => {
          const waiting = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
          const triggered = world.trigger(Mixed);
          await waiting;
          suspended.resolve();
          const plan = await triggered.finished;
          expect(plan.result).toBe('cancelled');
          expect(cancels).toEqual([false]);
          expect(stepOf(plan, 'Waits', 'run').state).toBe('cancelled');
          expect(journal).toEqual(['undo:Undoable']);
        },
      );
    });

    it('rolling back a plan paused by hand cancels its suspended step (asking its action to stop) and compensates what succeeded', async () => {
      fresh();
      const cancels: boolean[] = [];
      class Awaits extends Action {
        run() {
          this.suspend();
        }
        cancel(force: boolean) {
          cancels.push(force);
        }
      }
      class Done extends Action {
        run() {}
        compensate() {
          journal.push('undo:Done');
        }
      }
      class Both extends Action {
        override plan() {
          this.planAction(Done);
          this.planAction(Awaits);
        }
      }
      await withWorld({ actions: [Both, Done, Awaits], adapter: adapter() }, async (world) => {
        const waiting = nextEvent(world, 'step:state', (e) => e.state === 'suspended');
        const triggered = world.trigger(Both);
        await waiting;
        await world.pause(triggered.id);
        const plan = await world.rollback(triggered.id);
        expect([plan.state, plan.result]).toEqual(['stopped', 'cancelled']);
        expect(cancels).toEqual([false]);
        expect(stepOf(plan, 'Awaits', 'run').state).toBe('cancelled');
        expect(journal).toEqual(['undo:Done']);
        // Events sent to the cancelled step are refused.
        const refused = await rejectionOf(
          world.event(plan.id, stepOf(plan, 'Awaits', 'run').id, 'late'),
        );
        expectFlowlineError(refused, 'STEP_NOT_SUSPENDED');
      });
    });

    it('rolls back a plan stopped with an error, and refuses plans it cannot roll back', async () => {
      fresh('fail');
      await withWorld({ actions, adapter: adapter() }, async (world) => {
        const failed = await world.trigger(Order).finished;
        expect([failed.state, failed.result]).toEqual(['stopped', 'error']);
        const plan = await world.rollback(failed.id);
        expect([plan.state, plan.result]).toEqual(['stopped', 'cancelled']);
        expect(journal.slice(-2)).toEqual(['undo:Charge:ch-1', 'undo:Reserve:r-book']);

        // Rolled back already (stopped/cancelled): refused, and nothing runs again.
        const again = expectFlowlineError(
          await rejectionOf(world.rollback(failed.id)),
          'INVALID_PLAN_STATE',
        );
        expect(again.message).toContain('stopped with result cancelled');
        expect(journal.filter((entry) => entry.startsWith('undo'))).toHaveLength(2);

        // A plan that succeeded is finished business: refused.
        const ok = await world.trigger(Reserve, { sku: 'pen' }).finished;
        expect(ok.result).toBe('success');
        expectFlowlineError(await rejectionOf(world.rollback(ok.id)), 'INVALID_PLAN_STATE');

        // A running plan: refused.
        blocker = deferred();
        const running = nextEvent(world, 'step:state', (e) => e.state === 'running');
        const triggered = world.trigger(Blocked);
        await running;
        const refusal = expectFlowlineError(
          await rejectionOf(world.rollback(triggered.id)),
          'INVALID_PLAN_STATE',
        );
        expect(refusal.message).toContain(triggered.id);
        blocker.resolve();
        await triggered.finished;

        // An unknown plan.
        expectFlowlineError(
          await rejectionOf(world.rollback('00000000-0000-7000-8000-000000000000')),
          'PLAN_NOT_FOUND',
        );
      });
    });
  });
}
