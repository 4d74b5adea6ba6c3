/**
 * `flowline resume|rollback|cancel|halt`: the command starts a world with the `--actions` module's classes
 * and operates on plans a world of the test stored (and, for the refusals, still executes).
 */
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { deferred } from '../helpers/world.js';
import {
  AwaitApproval,
  Blocker,
  Broken,
  Deploy,
  FlakyDeploy,
  Stuck,
  TimedWait,
  gate,
} from './fixtures/actions.js';
import type { TestStore } from './helpers.js';
import {
  ACTIONS_MODULE,
  ROOT,
  createStore,
  hasStackTrace,
  parseJson,
  runCli,
  startCli,
} from './helpers.js';

let store: TestStore;

beforeEach(async () => {
  store = await createStore();
});

/** A FlakyDeploy plan, paused after its flaky step failed once. */
async function pausedPlan(): Promise<ExecutionPlan> {
  const marker = path.join(store.dir, `marker-${Math.random()}`);
  const plan = await store.withWorld((world) => world.trigger(FlakyDeploy, marker).finished);
  expect(plan.state).toBe('paused');
  return plan;
}

/**
 * Leaves a planned plan as a world that died mid-step would: `running`, its first run step
 * `running`, its execution lock held by a registered world on this host whose process is gone.
 */
async function leaveRunningByDeadWorld(filename: string, planId: string): Promise<void> {
  const adapter = new SqliteAdapter({ filename });
  await adapter.start();
  try {
    const plan = await adapter.loadPlan(planId);
    const step = plan?.steps.find((s) => s.phase === 'run');
    if (plan === undefined || step === undefined) throw new Error(`plan ${planId} has no run step`);
    const at = new Date().toISOString();
    await adapter.write({
      plans: [{ ...plan.plan, state: 'running' }],
      steps: [{ planId, record: { ...step, state: 'running', startedAt: at } }],
    });
    // A pid beyond Linux's range: no process has it.
    const dead = { id: 'dead-world', host: hostname(), pid: 4_194_321, executor: true };
    await adapter.registerWorld({ ...dead, startedAt: at, heartbeatAt: at });
    await adapter.acquireLock({
      key: `execution-plan:${planId}`,
      ownerId: dead.id,
      planId,
      acquiredAt: at,
    });
  } finally {
    await adapter.close();
  }
}

async function stored(id: string): Promise<ExecutionPlan> {
  const plan = await store.withWorld((world) => world.executionPlan(id));
  if (plan === undefined) throw new Error(`plan ${id} is gone`);
  return plan;
}

describe('flowline rollback', () => {
  it('rolls back a paused plan with --actions: compensations run, the plan ends cancelled (exit 0)', async () => {
    const plan = await pausedPlan();
    const args = ['--store', store.spec, '--actions', ACTIONS_MODULE];
    const result = await runCli(['rollback', plan.id, ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(
        `^Plan ${plan.id} \\(FlakyDeploy\\) is stopped with result cancelled, \\d+% done\\.\n`,
      ),
    );
    const after = await stored(plan.id);
    expect([after.state, after.result]).toEqual(['stopped', 'cancelled']);
    const compensations = after.steps.filter((step) => step.phase === 'compensate');
    expect(compensations.map((step) => [step.className, step.state])).toEqual([
      ['Provision', 'success'],
    ]);
    const log = await store.withWorld((world) => world.stepLog(plan.id, compensations[0]?.id ?? 0));
    expect(log.map((line) => line.message)).toEqual(['released vm-web']);

    // Rolled back: a second rollback is refused (exit 5), and so is an unknown plan (exit 4).
    const again = await runCli(['rollback', plan.id, ...args]);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('stopped with result cancelled');
    const unknown = await runCli(['rollback', '0197c5d2-7a1e-7c3b-9a8e-2f4b1c0d9e8f', ...args]);
    expect(unknown.code).toBe(4);
  });

  it('refuses a plan that succeeded (exit 5) and needs --actions (exit 2)', async () => {
    const done = await store.withWorld((world) => world.trigger(Deploy, ['a']).finished);
    expect(done.result).toBe('success');
    const refused = await runCli([
      'rollback',
      done.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('only a paused plan or one stopped with result error');
    const noActions = await runCli(['rollback', done.id, '--store', store.spec]);
    expect(noActions.code).toBe(2);
    expect(noActions.stderr).toContain("rollback needs the plan's action classes");
  });
});

describe('flowline resume', () => {
  it('refuses to run without --actions, saying why (exit 2)', async () => {
    const plan = await pausedPlan();
    const result = await runCli(['resume', plan.id, '--store', store.spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^flowline: resume needs the plan's action classes, because it runs the plan's steps in this process: pass --actions <module>/,
    );
    expect(result.stderr).toContain("Run 'flowline resume --help' for usage.");
    expect((await stored(plan.id)).state).toBe('paused');
  });

  it('resumes a paused plan with --actions until it stops (exit 0)', async () => {
    const plan = await pausedPlan();
    const result = await runCli([
      'resume',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Plan ${plan.id} (FlakyDeploy) is stopped with result success, 100% done.\n`,
    );
    const after = await stored(plan.id);
    expect([after.state, after.result]).toEqual(['stopped', 'success']);
  });

  it('leaves alone a plan that a dead world left running', async () => {
    const plan = await pausedPlan();
    const orphan = await store.withWorld(async (world) => (await world.plan(Deploy, ['a'])).id);
    await leaveRunningByDeadWorld(store.filename, orphan);

    const result = await runCli([
      'resume',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(0);
    // Untouched: the application's worlds recover it, not the command.
    const adapter = new SqliteAdapter({ filename: store.filename });
    await adapter.start();
    try {
      const left = await adapter.loadPlan(orphan);
      expect(left?.plan.state).toBe('running');
      expect(left?.steps.find((step) => step.phase === 'run')?.state).toBe('running');
    } finally {
      await adapter.close();
    }
  });

  it('waits while a step is suspended, and on Ctrl+C leaves the plan paused, saying so (exit 130)', async () => {
    const plan = await store.withWorld(
      (world) =>
        world.trigger(AwaitApproval, { marker: path.join(store.dir, 'approval') }).finished,
    );
    expect(plan.state).toBe('paused');
    const args = ['--store', store.spec, '--actions', ACTIONS_MODULE];
    const resume = startCli(['resume', plan.id, ...args]);
    // The command goes on waiting, and says why.
    await resume.stderrLine(/is suspended, waiting for an event/);
    expect((await stored(plan.id)).steps[1]?.state).toBe('suspended');
    resume.child.kill('SIGINT');
    const interrupted = await resume.exited;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toBe(
      `Plan ${plan.id} (AwaitApproval) is paused with result pending, 0% done.\n`,
    );
    expect(interrupted.stderr).toBe(
      'flowline: step 2 (run of AwaitApproval #1) is suspended, waiting for an event; resume ' +
        'waits until the plan is paused or stopped (Ctrl+C pauses it)\n' +
        `flowline: pausing plan ${plan.id}: running steps finish first (Ctrl+C again to quit now)\n`,
    );
    expect((await stored(plan.id)).state).toBe('paused');

    // The event, sent from elsewhere to the paused plan, is taken by the next resume.
    await store.withWorld((world) => world.event(plan.id, 2, { by: 'ops' }));
    const resumed = await runCli(['resume', plan.id, ...args]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toBe(
      `Plan ${plan.id} (AwaitApproval) is stopped with result success, 100% done.\n`,
    );
    expect(hasStackTrace(resumed.stderr)).toBe(false);
    const after = await stored(plan.id);
    expect(after.actions[0]?.output).toEqual({ approvedBy: { by: 'ops' } });
  });

  it('quits at once on a second Ctrl+C, saying the plan is left running (exit 130)', async () => {
    const plan = await store.withWorld(
      (world) => world.trigger(Stuck, { marker: path.join(store.dir, 'stuck') }).finished,
    );
    const resume = startCli([
      'resume',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    await resume.stderrLine(/^stuck: running for ever$/);
    resume.child.kill('SIGINT');
    await resume.stderrLine(/^flowline: pausing plan/);
    resume.child.kill('SIGINT');
    const result = await resume.exited;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `\\nflowline: quitting now: plan ${plan.id} is left running; your application's worlds recover it`,
      ),
    );
    // As the message says: the next world to start recovers it (here the interrupted step failed,
    // so the plan pauses again).
    const recovered = await stored(plan.id);
    expect(recovered.history.map((entry) => entry.event)).toContain('recover execution');
    expect(recovered.state).toBe('paused');
  });

  it('waits for a step woken by an event it planned, then prints how the plan ended', async () => {
    const plan = await store.withWorld(
      (world) => world.trigger(TimedWait, { marker: path.join(store.dir, 'timed') }).finished,
    );
    expect(plan.state).toBe('paused');
    const result = await runCli([
      'resume',
      plan.id,
      '--json',
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(0);
    expect(parseJson<ExecutionPlan>(result.stdout)).toMatchObject({
      state: 'stopped',
      result: 'success',
      actions: [{ output: { woken: true } }],
    });
    expect(result.stderr).toMatch(/^flowline: step 2 \(run of TimedWait #1\) is suspended/);
  });

  it('exits once the plan ends even when the --actions module leaves a handle open', async () => {
    const plan = await pausedPlan();
    const module = path.join(store.dir, 'busy.mts');
    const fixtures = path.join(ROOT, 'test/cli/fixtures/actions.ts');
    writeFileSync(
      module,
      `export * from ${JSON.stringify(fixtures)};\n` +
        '// Like a connection pool opened at import time: it would keep Node running forever.\n' +
        'setInterval(() => undefined, 60_000);\n',
    );
    const result = await runCli(['resume', plan.id, '--store', store.spec, '--actions', module]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is stopped with result success/);
  });

  it('prints the plan as JSON with --json', async () => {
    const plan = await pausedPlan();
    const result = await runCli([
      'resume',
      plan.id,
      '--json',
      `--store=${store.spec}`,
      `--actions=${ACTIONS_MODULE}`,
    ]);
    expect(result.code).toBe(0);
    const json = parseJson<ExecutionPlan>(result.stdout);
    expect([json.id, json.state, json.result, json.progress]).toEqual([
      plan.id,
      'stopped',
      'success',
      1,
    ]);
  });

  it('exits 1 when the plan pauses again, naming the failed step', async () => {
    const plan = await store.withWorld((world) => world.trigger(Broken).finished);
    const result = await runCli([
      'resume',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/is paused with result error, 0% done\.\n/);
    expect(result.stdout).toMatch(/step 2 \(run of Broken #1\) failed: still broken/);
    expect(result.stderr).toBe(`flowline: plan ${plan.id} (Broken) is paused with result error\n`);
  });

  it('exits 5 with the engine message when the plan is not paused', async () => {
    const plan = await store.withWorld((world) => world.trigger(Deploy).finished);
    const result = await runCli([
      'resume',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(5);
    expect(result.stderr).toBe(
      `flowline: plan ${plan.id} is stopped; only a paused plan can be resumed (INVALID_PLAN_STATE)\n`,
    );
  });

  it('exits 4 for an unknown plan', async () => {
    const result = await runCli([
      'resume',
      'nope',
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe('flowline: no execution plan nope (PLAN_NOT_FOUND)\n');
  });

  it('takes the classes from a default export array', async () => {
    const plan = await pausedPlan();
    const module = path.join(store.dir, 'actions.mts');
    const fixtures = path.join(ROOT, 'test/cli/fixtures/actions.ts');
    writeFileSync(
      module,
      `import { FlakyDeploy, FlakyStep, Provision } from ${JSON.stringify(fixtures)};\n` +
        'export default [FlakyDeploy, FlakyStep, Provision];\n',
    );
    const result = await runCli(['resume', plan.id, '--store', store.spec, '--actions', module]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('exits 5 when the module lacks a class the plan uses, saying which', async () => {
    const plan = await pausedPlan();
    const module = path.join(store.dir, 'partial.mts');
    const fixtures = path.join(ROOT, 'test/cli/fixtures/actions.ts');
    writeFileSync(
      module,
      `import { FlakyDeploy, Provision } from ${JSON.stringify(fixtures)};\n` +
        'export const actions = { FlakyDeploy, Provision };\n',
    );
    const result = await runCli(['resume', plan.id, '--store', store.spec, '--actions', module]);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(
      /uses action "FlakyStep" \(action 3\), which is not registered in this world: export that class from the --actions module \(ACTION_NOT_REGISTERED\)/,
    );
    expect((await stored(plan.id)).state).toBe('paused');
  });

  it('exits 2 when the classes extend another copy of Action', async () => {
    // A second module instance of the file that defines Action: what a CommonJS build of flowline,
    // or a second installation of it, gives.
    const module = path.join(store.dir, 'foreign.mjs');
    const copy = `${pathToFileURL(path.join(ROOT, 'src/action/action.ts')).href}?second-copy`;
    writeFileSync(
      module,
      `import { Action } from ${JSON.stringify(copy)};\nexport class Deploy extends Action {}\n`,
    );
    const result = await runCli(['resume', 'x', '--store', store.spec, '--actions', module]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /exports Deploy, which extends another copy of flowline's Action/,
    );
  });

  it("takes a class extending another library's class named Action for no action (exit 2)", async () => {
    const module = path.join(store.dir, 'unrelated.mjs');
    writeFileSync(module, 'class Action {}\nexport class Deploy extends Action {}\n');
    const result = await runCli(['resume', 'x', '--store', store.spec, '--actions', module]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/exports no Action subclass/);
  });

  it.each([
    ['exports no Action subclass', 'export const answer = 42;\n', /exports no Action subclass/],
    ['throws while loading', "throw new Error('boom');\n", /cannot load .*: boom/],
  ])('exits 2 when the --actions module %s', async (_what, source, message) => {
    const module = path.join(store.dir, `bad-${Math.random()}.mjs`);
    writeFileSync(module, source);
    const result = await runCli(['resume', 'x', '--store', store.spec, '--actions', module]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('exits 2 when the --actions module does not exist', async () => {
    const result = await runCli(['resume', 'x', '--store', store.spec, '--actions', 'nope.js']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--actions: no module at .*nope\.js/);
  });
});

describe('flowline cancel and halt', () => {
  it('cancels a paused plan', async () => {
    const plan = await pausedPlan();
    const result = await runCli([
      'cancel',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/is stopped with result cancelled/);
    const after = await stored(plan.id);
    expect([after.state, after.result]).toEqual(['stopped', 'cancelled']);
    expect(after.history.at(-1)?.event).toBe('cancel execution');
  });

  it('cancels with --force', async () => {
    const plan = await pausedPlan();
    const result = await runCli([
      'cancel',
      plan.id,
      '--force',
      '--json',
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(0);
    expect(parseJson<ExecutionPlan>(result.stdout).result).toBe('cancelled');
  });

  it('halts a paused plan', async () => {
    const plan = await pausedPlan();
    const result = await runCli([
      'halt',
      plan.id,
      '--store',
      store.spec,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.code).toBe(0);
    const after = await stored(plan.id);
    expect(after.state).toBe('stopped');
    expect(after.history.at(-1)?.event).toBe('halt execution');
  });

  it('takes --force only for cancel', async () => {
    const result = await runCli(['halt', 'x', '--force', '--store', store.spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option --force/);
  });

  it('needs --actions too', async () => {
    const result = await runCli(['cancel', 'x', '--store', store.spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cancel needs the plan's action classes/);
  });
});

describe('a plan another live world executes', () => {
  it('is refused by resume, cancel and halt (exit 5)', async () => {
    const world = await store.openWorld();
    const open = deferred();
    const running = deferred();
    gate.wait = () => {
      running.resolve();
      return open.promise;
    };
    try {
      const triggered = world.trigger(Blocker);
      await running.promise;
      const args = ['--store', store.spec, '--actions', ACTIONS_MODULE];
      const [resume, cancel, halt] = await Promise.all([
        runCli(['resume', triggered.id, ...args]),
        runCli(['cancel', triggered.id, ...args]),
        runCli(['halt', triggered.id, ...args]),
      ]);
      expect(resume.code).toBe(5);
      expect(resume.stderr).toBe(
        `flowline: plan ${triggered.id} is running; only a paused plan can be resumed (INVALID_PLAN_STATE)\n`,
      );
      for (const result of [cancel, halt]) {
        expect(result.code).toBe(5);
        expect(result.stderr).toBe(
          `flowline: plan ${triggered.id} is being executed by another world; halt it there (INVALID_PLAN_STATE)\n`,
        );
      }
      open.resolve();
      const plan = await triggered.finished;
      expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
    } finally {
      open.resolve();
      gate.wait = () => Promise.resolve();
      await world.close();
    }
  });
});
