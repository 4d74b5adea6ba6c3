/**
 * Defect: `resume` and `skipStep` on the same paused plan at once. skipStep read, checked and wrote
 * the plan without its lock, so its write could land in the middle of the resume: the plan then
 * stayed `running` with steps `skipping, pending`, and `resume` never settled.
 *
 * The store is a real SQLite file; to make the bad interleaving happen every time rather than in
 * one try out of ten, skipStep's write is held until the resume has taken the plan into execution
 * (or has given up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { PersistenceAdapter, WriteBatch } from '../../src/persistence/index.js';
import type { RescueStrategy } from '../../src/index.js';
import { Action, FlowlineError, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { deferred, stepOf } from '../helpers/world.js';

let failures = 0;

class Flaky extends Action {
  run() {
    if (failures > 0) {
      failures--;
      throw new Error('flaky');
    }
  }
  override rescueStrategy(): RescueStrategy {
    return 'pause';
  }
}

class After extends Action {
  run() {}
}

class Twice extends Action {
  override plan() {
    this.sequence(() => {
      this.planAction(Flaky);
      this.planAction(After);
    });
  }
}

/** The real adapter, with the writes that mark a step `skipping` held until `gate` opens. */
function holdingSkips(adapter: PersistenceAdapter, gate: () => Promise<void>): PersistenceAdapter {
  return new Proxy(adapter, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      if (key !== 'write') return (value as (...args: unknown[]) => unknown).bind(target);
      return async (batch: WriteBatch) => {
        if (batch.steps?.some((s) => s.record.state === 'skipping')) await gate();
        return target.write(batch);
      };
    },
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-race-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('resume and skipStep at once: both settle and the plan ends stopped, whichever wins', async () => {
  let opened = deferred();
  const world = new World({
    adapter: holdingSkips(
      new SqliteAdapter({ filename: path.join(dir, 'race.db') }),
      () => opened.promise,
    ),
    actions: [Flaky, After, Twice],
    logger: silentLogger,
  });
  await world.start();
  try {
    for (let attempt = 0; attempt < 10; attempt++) {
      failures = 1;
      const paused = await world.trigger(Twice).finished;
      expect(paused.state).toBe('paused');
      const failed = stepOf(paused, 'Flaky', 'run');
      opened = deferred();
      const running = world.on('plan:state', (event) => {
        if (event.planId === paused.id && event.state === 'running') opened.resolve();
      });
      const skipping = world.skipStep(paused.id, failed.id);
      const resuming = world.resume(paused.id);
      void resuming.then(
        () => opened.resolve(),
        () => opened.resolve(),
      );
      const outcomes = await Promise.allSettled([skipping, resuming]);
      running();
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          expect(outcome.reason).toBeInstanceOf(FlowlineError);
          expect((outcome.reason as FlowlineError).code).toBe('INVALID_PLAN_STATE');
        }
      }
      let plan = await world.executionPlan(paused.id);
      // A skip that won leaves the plan paused with the step skipping: a resume finishes it.
      if (plan?.state === 'paused') plan = await world.resume(paused.id);
      expect(plan?.state).toBe('stopped');
      expect(['success', 'warning']).toContain(plan?.result);
      expect(plan?.steps.filter((s) => s.state === 'skipping' || s.state === 'pending')).toEqual(
        [],
      );
    }
  } finally {
    opened.resolve();
    await world.close();
  }
});
