/**
 * Per-step logs: `this.log.debug|info|warn|error(message, meta?)` in plan, run and finalize; lines
 * are stored with their step after its commit and read back in order with `world.stepLog`, on the
 * memory store and on a SQLite file across a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type {
  JsonValue,
  PersistenceAdapter,
  StepLogLine,
  SuspendedAction,
} from '../../src/index.js';
import { Action, ErrorCode, MemoryAdapter, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { ManagedClock } from '../../src/testing/index.js';
import { Probe, expectFlowlineError, rejectionOf, stepOf, withWorld } from '../helpers/world.js';

const iso = (ms: number): string => new Date(ms).toISOString();

class Machine extends Action<{ name: string }, { id?: string }> {
  override plan(name: string) {
    this.log.debug('planning machine', { name });
    this.planSelf({ name });
  }
  run() {
    this.log.info('creating', { name: this.input.name, sizes: [1, 2], nested: { ok: true } });
    this.output.id = `vm-${this.input.name}`;
    this.log.warn('slow disk');
  }
  finalize() {
    this.log.error('cleanup failed, ignored', { code: 7 });
  }
}

class Infrastructure extends Action {
  override plan() {
    this.log.info('planning infrastructure');
    this.sequence(() => {
      this.planAction(Machine, 'db');
      this.planAction(Machine, 'web');
    });
  }
}

/** What a test compares: the stored lines without the plan id. */
function summary(lines: readonly StepLogLine[]) {
  return lines.map(({ stepId, level, message, meta }) =>
    meta === undefined ? { stepId, level, message } : { stepId, level, message, meta },
  );
}

async function logsOfInfrastructure(world: World, clock: ManagedClock) {
  const plan = await world.trigger(Infrastructure).finished;
  expect(plan.result).toBe('success');
  const [db, web] = plan.actions.filter((a) => a.className === 'Machine');
  const root = plan.actions[0]!;
  const lines = await world.stepLog(plan.id);
  expect(lines.every((line) => line.planId === plan.id && line.at === iso(clock.now()))).toBe(true);
  expect(summary(lines)).toEqual([
    // plan phase, in the order plan() calls ran
    { stepId: root.planStepId, level: 'info', message: 'planning infrastructure' },
    { stepId: db!.planStepId, level: 'debug', message: 'planning machine', meta: { name: 'db' } },
    { stepId: web!.planStepId, level: 'debug', message: 'planning machine', meta: { name: 'web' } },
    // run steps, one after the other (a sequence)
    {
      stepId: db!.runStepId,
      level: 'info',
      message: 'creating',
      meta: { name: 'db', sizes: [1, 2], nested: { ok: true } },
    },
    { stepId: db!.runStepId, level: 'warn', message: 'slow disk' },
    {
      stepId: web!.runStepId,
      level: 'info',
      message: 'creating',
      meta: { name: 'web', sizes: [1, 2], nested: { ok: true } },
    },
    { stepId: web!.runStepId, level: 'warn', message: 'slow disk' },
    // finalize steps, in planSelf order
    {
      stepId: db!.finalizeStepId,
      level: 'error',
      message: 'cleanup failed, ignored',
      meta: { code: 7 },
    },
    {
      stepId: web!.finalizeStepId,
      level: 'error',
      message: 'cleanup failed, ignored',
      meta: { code: 7 },
    },
  ]);
  // One step's lines.
  expect(summary(await world.stepLog(plan.id, web!.runStepId))).toEqual([
    summary(lines)[5],
    summary(lines)[6],
  ]);
  return { plan, lines };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('step logs', () => {
  it('stores lines from plan, run and finalize with their levels and meta, in order', async () => {
    const clock = new ManagedClock();
    await withWorld(
      { clock, actions: [Machine, Infrastructure], logger: silentLogger },
      async (world) => {
        await logsOfInfrastructure(world, clock);
      },
    );
  });

  it('survives a restart on SQLite', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-step-log-'));
    dirs.push(dir);
    const filename = path.join(dir, 'flowline.db');
    const clock = new ManagedClock();
    const make = (): PersistenceAdapter => new SqliteAdapter({ filename });
    const first = new World({
      adapter: make(),
      clock,
      actions: [Machine, Infrastructure],
      logger: silentLogger,
    });
    await first.start();
    let written: StepLogLine[];
    let planId: string;
    try {
      const { plan, lines } = await logsOfInfrastructure(first, clock);
      written = lines;
      planId = plan.id;
    } finally {
      await first.close();
    }
    const second = new World({ adapter: make(), actions: [Machine, Infrastructure] });
    await second.start();
    try {
      expect(await second.stepLog(planId)).toEqual(written);
    } finally {
      await second.close();
    }
  });

  it('keeps lines across suspensions and of a failing step; never adds a line by itself', async () => {
    const probe = new Probe();
    const handles: SuspendedAction[] = [];
    class Poll extends Action {
      run(event?: JsonValue) {
        this.log.info(`run(${JSON.stringify(event ?? null)})`);
        if (event === undefined) {
          this.suspend((handle) => {
            handles.push(handle);
            probe.poke();
          });
        }
        throw new Error('remote failed');
      }
    }
    class Silent extends Action {
      run() {}
    }
    await withWorld({ actions: [Poll, Silent], logger: silentLogger }, async (world) => {
      // The lines are stored before the step's state event is emitted.
      const seenOnSuspension = new Promise<string[]>((resolve) => {
        const off = world.on('step:state', (event) => {
          if (event.state !== 'suspended') return;
          off();
          void world
            .stepLog(event.planId, event.stepId)
            .then((lines) => resolve(lines.map((line) => line.message)));
        });
      });
      const triggered = world.trigger(Poll);
      await probe.until(() => handles.length === 1);
      expect(await seenOnSuspension).toEqual(['run(null)']);
      await handles[0]!.event({ n: 1 });
      const plan = await triggered.finished;
      expect(plan.state).toBe('paused');
      const step = stepOf(plan, 'Poll', 'run');
      expect((await world.stepLog(plan.id, step.id)).map((line) => line.message)).toEqual([
        'run(null)',
        'run({"n":1})',
      ]);
      const silent = await world.trigger(Silent).finished;
      expect(await world.stepLog(silent.id)).toEqual([]);
    });
  });

  it('drops meta that is not JSON with a warning line, keeping the step outcome', async () => {
    class Odd extends Action {
      run() {
        const cyclic: Record<string, unknown> = {};
        cyclic.self = cyclic;
        this.log.info('with a function', { fn: () => 1 });
        this.log.info('with a cycle', cyclic);
        this.log.info('with a date', { at: new Date(0) });
      }
    }
    await withWorld({ actions: [Odd], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Odd).finished;
      expect(plan.result).toBe('success');
      const lines = await world.stepLog(plan.id);
      expect(lines.map(({ level, message, meta }) => ({ level, message, meta }))).toEqual([
        { level: 'info', message: 'with a function', meta: undefined },
        {
          level: 'warn',
          message: expect.stringMatching(
            /meta of the previous log line was dropped.*fn.*function/,
          ) as unknown,
          meta: undefined,
        },
        { level: 'info', message: 'with a cycle', meta: undefined },
        {
          level: 'warn',
          message: expect.stringMatching(/dropped.*cycle/) as unknown,
          meta: undefined,
        },
        { level: 'info', message: 'with a date', meta: { at: '1970-01-01T00:00:00.000Z' } },
      ]);
      expect(lines[0]).not.toHaveProperty('meta');
    });
  });

  it('rejects an unknown plan with PLAN_NOT_FOUND and an unknown step with STEP_NOT_FOUND', async () => {
    class One extends Action {
      run() {}
    }
    await withWorld({ adapter: new MemoryAdapter(), actions: [One] }, async (world) => {
      expectFlowlineError(
        await rejectionOf(world.stepLog('no-such-plan')),
        ErrorCode.PLAN_NOT_FOUND,
      );
      const plan = await world.trigger(One).finished;
      expect(await world.stepLog(plan.id, 2)).toEqual([]);
      expectFlowlineError(await rejectionOf(world.stepLog(plan.id, 99)), ErrorCode.STEP_NOT_FOUND);
    });
  });

  it('is only available in plan, run and finalize', async () => {
    let misuse: unknown;
    class Rescuer extends Action {
      run() {
        throw new Error('fails');
      }
      override rescueStrategy() {
        try {
          this.log.info('rescuing');
        } catch (error) {
          misuse = error;
        }
        return 'fail' as const;
      }
    }
    await withWorld({ actions: [Rescuer], logger: silentLogger }, async (world) => {
      await world.trigger(Rescuer).finished;
      expectFlowlineError(misuse, ErrorCode.PHASE_MISUSE);
    });
  });
});
