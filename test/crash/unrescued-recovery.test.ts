/**
 * Found by the chaos script: a world that recovers a plan fails its interrupted, non-idempotent
 * step with ABNORMAL_TERMINATION, commits that, and dies before the plan's pause is stored. The
 * next world then found a `running` plan with a failed step and ran it again with no operator
 * (a run step from `error`, a finalize step by re-running the whole finalize sequence). Now such a
 * step goes through the rescue again: the plan pauses and only `resume` runs it.
 *
 * The state the dying world leaves is written straight into a real SQLite file.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { StepRecord } from '../../src/index.js';
import { Action, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { tempDirs } from '../persistence/sqlite/helpers.js';
import { planReaching } from '../helpers/world.js';

const dirs = tempDirs();
afterEach(() => {
  dirs.removeAll();
});

const runs = { work: 0, wrapUp: 0, close: 0 };

class Work extends Action {
  run() {
    runs.work++;
  }
}
class WrapUp extends Action {
  run() {}
  finalize() {
    runs.wrapUp++;
  }
}
class Closing extends Action {
  override plan() {
    this.sequence(() => {
      this.planAction(Work);
      this.planAction(WrapUp);
    });
    // Planned last, so it finalizes last.
    this.planSelf({});
  }
  finalize() {
    runs.close++;
  }
}
const actions = [Work, WrapUp, Closing];

/** Runs a plan to its end, then rewrites it as a dying recovering world would have left it. */
async function leftByADyingWorld(
  filename: string,
  pick: (steps: StepRecord[]) => StepRecord,
): Promise<string> {
  const world = new World({
    adapter: new SqliteAdapter({ filename }),
    actions,
    logger: silentLogger,
  });
  await world.start();
  const plan = await world.trigger(Closing).finished;
  expect(plan.result).toBe('success');
  await world.close();

  const adapter = new SqliteAdapter({ filename });
  await adapter.start();
  const stored = await adapter.loadPlan(plan.id);
  if (stored === undefined) throw new Error('plan not stored');
  const step = pick(stored.steps);
  // Failed by the recovery of an earlier world, which died before it stored the plan's pause.
  step.state = 'error';
  step.error = {
    className: 'FlowlineError',
    code: 'ABNORMAL_TERMINATION',
    message: `abnormal termination: the world executing step ${step.id} stopped while it ran`,
  };
  for (const later of stored.steps.filter((s) => s.phase === step.phase && s.id > step.id)) {
    if (step.phase === 'run' || later.phase === 'finalize') later.state = 'pending';
  }
  stored.plan.state = 'running';
  stored.plan.result = 'pending';
  delete stored.plan.endedAt;
  await adapter.write({
    plans: [stored.plan],
    steps: stored.steps.map((record) => ({ planId: plan.id, record })),
  });
  await adapter.close();
  return plan.id;
}

for (const phase of ['run', 'finalize'] as const) {
  it(`a ${phase} step failed by a recovery that died is rescued, not run again without resume`, async () => {
    const filename = join(dirs.make(), 'flowline.db');
    const id = await leftByADyingWorld(filename, (steps) => {
      const step = steps.find(
        (s) => s.className === (phase === 'run' ? 'Work' : 'WrapUp') && s.phase === phase,
      );
      if (step === undefined) throw new Error('no such step');
      return step;
    });
    const before = { ...runs };
    const world = new World({
      adapter: new SqliteAdapter({ filename }),
      actions,
      logger: silentLogger,
    });
    await world.start();
    try {
      const recovered = await planReaching(world, id, ['paused', 'stopped']);
      expect(recovered.state).toBe('paused');
      expect(runs).toEqual(before);
      const done = await world.resume(id);
      expect([done.state, done.result]).toEqual(['stopped', 'success']);
      if (phase === 'run') expect(runs.work).toBe(before.work + 1);
      // Resuming an interrupted finalize step runs it (and what follows), not the ones committed.
      else expect([runs.wrapUp, runs.close]).toEqual([before.wrapUp + 1, before.close + 1]);
    } finally {
      await world.close();
    }
  });
}
