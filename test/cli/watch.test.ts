/**
 * `flowline watch`: follows a plan that a world of the test executes, by polling the store; JSON
 * lines, plain lines, the terminal's redrawn bars, the exit codes and Ctrl+C.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { World } from '../../src/index.js';
import { run } from '../../src/cli/run.js';
import type { CliIo } from '../../src/cli/context.js';
import type { WatchFrame } from '../../src/cli/commands/watch.js';
import { Deploy, FlakyDeploy } from './fixtures/actions.js';
import type { TestStore } from './helpers.js';
import { createStore, parseJson, runCli, startCli } from './helpers.js';

let store: TestStore;
let world: World;

beforeEach(async () => {
  store = await createStore();
  world = await store.openWorld();
});

afterEach(async () => {
  await world.close();
});

describe('flowline watch', () => {
  it('prints a JSON line per change until the plan stops (exit 0)', async () => {
    const plan = await world.plan(Deploy, ['a', 'b', 'c']);
    const watch = startCli(['watch', plan.id, '--store', store.spec, '--json', '--interval', '10']);
    const first = parseJson<WatchFrame>(await watch.nextLine());
    expect(first).toMatchObject({ id: plan.id, label: 'Deploy', state: 'planned', progress: 0 });
    expect(first.steps.map((step) => [step.id, step.className, step.state])).toEqual([
      [3, 'Provision', 'pending'],
      [5, 'Provision', 'pending'],
      [7, 'Provision', 'pending'],
    ]);
    await world.execute(plan.id);
    const result = await watch.exited;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const frames = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => parseJson<WatchFrame>(line));
    const last = frames.at(-1);
    expect(last).toMatchObject({ state: 'stopped', result: 'success', progress: 1 });
    expect(last?.steps.every((step) => step.state === 'success' && step.progress === 1)).toBe(true);
    // One line per change: never the same frame twice in a row.
    const keys = frames.map((frame) => JSON.stringify({ ...frame, at: '' }));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('prints a line per change when stdout is not a terminal', async () => {
    const plan = await world.plan(Deploy, ['a', 'b']);
    const watch = startCli(['watch', plan.id, '--store', store.spec, '--interval', '10']);
    expect(await watch.nextLine()).toMatch(/^\d\d:\d\d:\d\d plan Deploy planned 0%$/);
    await world.execute(plan.id);
    const result = await watch.exited;
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\S+ {3}#3 Provision pending 0%$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\S+ {3}#5 Provision success 100%$/));
    expect(lines.at(-1)).toMatch(/^\S+ plan Deploy stopped\/success 100%$/);
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('exits 1 at once for a paused plan', async () => {
    const plan = await world.trigger(FlakyDeploy, path.join(store.dir, 'marker')).finished;
    const result = await runCli(['watch', plan.id, '--store', store.spec, '--json']);
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(parseJson<WatchFrame>(lines[0] ?? '').steps[1]).toMatchObject({
      className: 'FlakyStep',
      state: 'error',
      error: { message: 'flaky: the first attempt fails' },
    });
    expect(result.stderr).toBe(
      `flowline: plan ${plan.id} (FlakyDeploy) is paused with result error\n`,
    );
  });

  it('exits 4 for an unknown plan', async () => {
    const result = await runCli(['watch', 'nope', '--store', store.spec]);
    expect(result.code).toBe(4);
    expect(result.stderr).toBe('flowline: no execution plan nope (PLAN_NOT_FOUND)\n');
  });

  it('stops cleanly on SIGINT (exit 130)', async () => {
    const plan = await world.plan(Deploy);
    const watch = startCli(['watch', plan.id, '--store', store.spec, '--json', '--interval', '20']);
    await watch.nextLine();
    watch.child.kill('SIGINT');
    const result = await watch.exited;
    expect(result.code).toBe(130);
    expect(result.stderr).toBe(`flowline: stopped watching plan ${plan.id}, which is planned\n`);
    expect((await world.executionPlan(plan.id))?.state).toBe('planned');
  });
});

/** An in-process terminal: records what the command writes. */
function terminal(env: Record<string, string> = {}): { io: CliIo; output: () => string } {
  let output = '';
  let errors = '';
  const io: CliIo = {
    stdout: {
      isTTY: true,
      columns: 100,
      rows: 30,
      write: (text: string) => (output += text),
    },
    stderr: { write: (text: string) => (errors += text) },
    env,
    cwd: process.cwd(),
    onSignal: () => () => undefined,
    exit: () => {
      throw new Error(`unexpected exit; stderr: ${errors}`);
    },
  };
  return { io, output: () => output };
}

describe('flowline watch on a terminal', () => {
  it('redraws the bars in place, coloured, and restores the cursor', async () => {
    const plan = await world.plan(Deploy, ['a', 'b', 'c']);
    const { io, output } = terminal();
    const started = run(['watch', plan.id, '--store', store.spec, '--interval', '10'], io);
    await expect.poll(() => output().length).toBeGreaterThan(0);
    await world.execute(plan.id);
    expect(await started).toBe(0);
    const text = output();
    expect(text.startsWith('\x1b[?25l')).toBe(true); // cursor hidden
    expect(text.endsWith('\x1b[?25h')).toBe(true); // and shown again
    expect(text).toContain('\x1b[4F'); // back up over the plan and its three steps
    expect(text).toContain('\x1b[32m'); // success in green
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(plain).toMatch(/Deploy\s+stopped\/success\s+█+ 100%/);
    expect(plain).toMatch(/#7 Provision\s+success\s+█+ 100%/);
  });

  it('uses no colours when NO_COLOR is set', async () => {
    const plan = await world.trigger(Deploy).finished;
    const { io, output } = terminal({ NO_COLOR: '1' });
    expect(await run(['watch', plan.id, '--store', store.spec], io)).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(output()).not.toMatch(/\x1b\[\d+m/);
    expect(output()).toContain('\x1b[2K');
  });
});
