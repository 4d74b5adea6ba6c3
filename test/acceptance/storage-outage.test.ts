/**
 * Defect: a storage outage stranded running plans. When the store failed under a plan (beyond the
 * adapter's own retries), `finished` rejected, the plan stayed `running` in the store, and resume,
 * halt and cancel refused it until the process restarted. Now the world keeps the plan, tries it
 * again with a bounded backoff on its clock, and carries on when the store answers: a step whose
 * outcome could not be stored runs again (idempotent) or fails (ABNORMAL_TERMINATION, saying the
 * store failed), which pauses
 * the plan; `resume` continues it in the same process.
 *
 * The outage is a real SQLite failure: a trigger, created and dropped through a second connection,
 * makes every write of steps fail while it exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { Action, World } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/managed-clock.js';
import { deferred, nextEvent, stallWatcher, stepOf } from '../helpers/world.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-outage-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let gate = deferred();
let runs = 0;

class First extends Action {
  run() {}
}
class Fragile extends Action {
  async run() {
    runs++;
    await gate.promise;
  }
}
class Idempotent extends Action {
  static override readonly idempotent = true;
  async run() {
    runs++;
    await gate.promise;
  }
}
class Last extends Action {
  run() {}
}
class Flow extends Action {
  override plan(kind: 'fragile' | 'idempotent') {
    this.sequence(() => {
      this.planAction(First);
      this.planAction(kind === 'fragile' ? Fragile : Idempotent);
      this.planAction(Last);
    });
  }
}

/** Makes every step write fail in the SQLite file until the returned function is called. */
function failStepWrites(filename: string): () => void {
  const db = new Database(filename);
  db.exec(`
    CREATE TRIGGER outage_insert BEFORE INSERT ON flowline_steps BEGIN SELECT RAISE(FAIL, 'disk full'); END;
    CREATE TRIGGER outage_update BEFORE UPDATE ON flowline_steps BEGIN SELECT RAISE(FAIL, 'disk full'); END;
  `);
  db.close();
  return () => {
    const again = new Database(filename);
    again.exec('DROP TRIGGER outage_insert; DROP TRIGGER outage_update;');
    again.close();
  };
}

async function outageScenario(kind: 'fragile' | 'idempotent') {
  gate = deferred();
  runs = 0;
  const filename = path.join(dir, `${kind}.db`);
  const clock = new ManagedClock();
  const logger = stallWatcher();
  const world = new World({
    adapter: new SqliteAdapter({ filename }),
    actions: [First, Fragile, Idempotent, Last, Flow],
    clock,
    logger,
  });
  await world.start();
  const blocked = kind === 'fragile' ? 'Fragile' : 'Idempotent';
  // Steps: 1 plan Flow, 2–3 First (plan, run), 4–5 the blocked action, 6–7 Last.
  const running = nextEvent(
    world,
    'step:state',
    (e) => e.phase === 'run' && e.stepId === 5 && e.state === 'running',
  );
  const triggered = world.trigger(Flow, kind);
  await running;
  const recover = failStepWrites(filename);
  const progress = { settled: false };
  void triggered.finished.then(
    () => (progress.settled = true),
    () => (progress.settled = true),
  );
  gate.resolve();
  await logger.stalled;

  // During the outage: nothing is lost, nothing is settled, the store still says running.
  const during = await world.executionPlan(triggered.id);
  expect(during?.state).toBe('running');
  expect(stepOf(during!, blocked, 'run').state).toBe('running');
  expect(progress.settled).toBe(false);

  // The store answers again: the world takes the plan up on its own, in this process.
  recover();
  while (!progress.settled && clock.pending > 0) await clock.next();
  return { world, triggered, blocked };
}

it("fragile step: once the store answers, the plan pauses, the step's outcome lost to the store; resume finishes it", async () => {
  const { world, triggered, blocked } = await outageScenario('fragile');
  try {
    const paused = await triggered.finished;
    expect(paused.state).toBe('paused');
    const error = stepOf(paused, blocked, 'run').error;
    expect(error?.code).toBe('ABNORMAL_TERMINATION');
    expect(error?.message).toMatch(/the store failed while step 5/);
    expect(stepOf(paused, 'First', 'run').state).toBe('success');
    const done = await world.resume(triggered.id);
    expect([done.state, done.result]).toEqual(['stopped', 'success']);
    // It ran before the outage, and once more on resume.
    expect(runs).toBe(2);
  } finally {
    await world.close();
  }
});

it('idempotent step: once the store answers, it runs again and the plan finishes by itself', async () => {
  const { world, triggered } = await outageScenario('idempotent');
  try {
    const done = await triggered.finished;
    expect([done.state, done.result]).toEqual(['stopped', 'success']);
    expect(runs).toBe(2);
    expect(done.history.map((h) => h.event)).toContain('recover execution after a storage failure');
  } finally {
    await world.close();
  }
});

it('halt asked for during the outage is done once the store answers', async () => {
  gate = deferred();
  runs = 0;
  const filename = path.join(dir, 'halt.db');
  const clock = new ManagedClock();
  const logger = stallWatcher();
  const world = new World({
    adapter: new SqliteAdapter({ filename }),
    actions: [First, Fragile, Idempotent, Last, Flow],
    clock,
    logger,
  });
  await world.start();
  try {
    const running = nextEvent(
      world,
      'step:state',
      (e) => e.phase === 'run' && e.stepId === 5 && e.state === 'running',
    );
    const triggered = world.trigger(Flow, 'idempotent');
    await running;
    const recover = failStepWrites(filename);
    gate.resolve();
    await logger.stalled;
    const halting = world.halt(triggered.id);
    recover();
    const progress = { settled: false };
    void halting.finally(() => (progress.settled = true));
    while (!progress.settled && clock.pending > 0) await clock.next();
    await halting;
    const plan = await triggered.finished;
    expect(plan.state).toBe('stopped');
    expect(stepOf(plan, 'Last', 'run').state).toBe('cancelled');
  } finally {
    await world.close();
  }
});
