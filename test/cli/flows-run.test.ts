/**
 * `flowline flows run`: the real command in a child process on a real SQLite file, with the
 * tests' stage actions as `--actions`: live stage lines, the run's result, exit codes, and what
 * the store holds afterwards.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import type { PlanRecord } from '../../src/plan/records.js';
import type { FlowVersionRecord, PersistenceAdapter } from '../../src/persistence/adapter.js';
import type { TestStore } from './helpers.js';
import { createStore, hasStackTrace, parseJson, runCli, startCli } from './helpers.js';

const STAGES = 'test/cli/fixtures/stage-actions.ts';
const DIR = 'test/cli/fixtures/flows';

let store: TestStore;
beforeEach(async () => {
  store = await createStore();
});

/** Runs `flowline flows run <target> … --actions <stages> --store <the test's store>`. */
function flowsRun(target: string, ...extra: string[]) {
  return runCli(['flows', 'run', target, '--actions', STAGES, '--store', store.spec, ...extra]);
}

/** What the store holds: its plans and flow versions. */
async function contents(): Promise<{ plans: PlanRecord[]; versions: FlowVersionRecord[] }> {
  const adapter: PersistenceAdapter = new SqliteAdapter({ filename: store.filename });
  await adapter.start();
  try {
    const plans = await adapter.findPlans({});
    const versions = (await adapter.findFlowVersions?.({})) ?? [];
    return { plans, versions };
  } finally {
    await adapter.close();
  }
}

describe('flowline flows run', () => {
  it('saves a flow file, runs it stage by stage and prints the final output', async () => {
    const ended = await flowsRun(`${DIR}/diamond.yaml`, '--input', '5');
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(ExitCode.OK);
    const lines = ended.stdout.split('\n');
    expect(lines[0]).toBe(`Saved flow "Diamond" version 1 (development) from ${DIR}/diamond.yaml`);
    expect(lines[1]).toMatch(/^Run [0-9a-f-]{36} of flow "Diamond" version 1$/);
    // One line as each stage starts and one as it succeeds; a join after both its parents.
    for (const stage of ['Start', 'Left', 'Right', 'Join']) {
      const started = lines.findIndex((line) => line === `  started    ${stage}`);
      const done = lines.findIndex((line) =>
        new RegExp(`^  succeeded  ${stage} \\(\\d+ ms\\)$`).test(line),
      );
      expect(started, `${stage} started in\n${ended.stdout}`).toBeGreaterThan(1);
      expect(done, `${stage} succeeded in\n${ended.stdout}`).toBeGreaterThan(started);
    }
    const join = lines.indexOf('  started    Join');
    expect(lines.findIndex((line) => line.startsWith('  succeeded  Left'))).toBeLessThan(join);
    expect(lines.findIndex((line) => line.startsWith('  succeeded  Right'))).toBeLessThan(join);
    expect(ended.stdout).toMatch(/\nRun [0-9a-f-]{36} is stopped with result success after \d/);
    expect(ended.stdout).toContain('\nOutput:\n  Join: 21\n');

    const { plans, versions } = await contents();
    expect(versions.map((v) => [v.name, v.version, v.stage])).toEqual([
      ['Diamond', 1, 'development'],
    ]);
    expect(plans.filter((plan) => plan.parent === undefined).map((plan) => plan.label)).toEqual([
      'flow:Diamond',
    ]);
  });

  it('runs a stored flow by name, and prints the run as JSON with --json', async () => {
    expect((await flowsRun(`${DIR}/diamond.yaml`, '--input', '1')).code).toBe(ExitCode.OK);
    const ended = await flowsRun('Diamond', '--input', '{"value": 2}', '--json');
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(ExitCode.OK);
    const result = parseJson<{
      run: { flow: string; version: number; state: string; result: string; durationMs: number };
      outputs: Record<string, unknown>;
      errors: unknown[];
    }>(ended.stdout);
    expect(result.run).toMatchObject({
      flow: 'Diamond',
      version: 1,
      state: 'stopped',
      result: 'success',
    });
    expect(result.run.durationMs).toBeGreaterThanOrEqual(0);
    expect(result.outputs).toEqual({ Join: 2 + 1 + 2 + 10 });
    expect(result.errors).toEqual([]);
  });

  it('shows a failed stage and exits 1 with the run paused', async () => {
    const ended = await flowsRun(`${DIR}/failing.yaml`, '--input', '{}');
    expect(ended.code).toBe(ExitCode.PLAN_NOT_OK);
    expect(ended.stdout).toMatch(/\n {2}failed {5}Explode: the stage broke/);
    expect(ended.stdout).toMatch(/is paused with result error/);
    expect(ended.stdout).toMatch(/ {2}stage Explode failed: the stage broke/);
    expect(ended.stderr).toMatch(
      /^flowline: plan [0-9a-f-]{36} \(flow:Failing\) is paused with result error\n$/,
    );
    const { plans } = await contents();
    expect(plans.map((plan) => [plan.label, plan.state, plan.result])).toEqual([
      ['flow:Failing', 'paused', 'error'],
    ]);
  });

  it('shows stages a Filter skipped, with the reason', async () => {
    const ended = await flowsRun(`${DIR}/filtered.yaml`, '--input', '{"value": 5}');
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(ExitCode.OK);
    expect(ended.stdout).toMatch(/\n {2}skipped {4}Big enough: .*"value > 100" is false\n/);
    expect(ended.stdout).toMatch(/\n {2}skipped {4}Inc: .*"value > 100" is false\n/);
    expect(ended.stdout).not.toMatch(/succeeded {2}Inc/);
    expect(ended.stdout).toContain('\nOutput:\n  Inc: null\n');
  });

  it('runs a Map and its Reduce, and prints the reduced list', async () => {
    const ended = await flowsRun(`${DIR}/mapped.yaml`, '--input', '{"list": [1, 2, 3]}');
    expect(ended.stderr).toBe('');
    expect(ended.code).toBe(ExitCode.OK);
    expect(ended.stdout).toMatch(/\n {2}succeeded {2}Each \(\d+ ms\)\n/);
    expect(ended.stdout).toContain('\nOutput:\n  Collect: [2,3,4]\n');
  });

  it('pauses the run on Ctrl+C once the running stage finishes (exit 130)', async () => {
    const release = path.join(store.dir, 'release');
    const flow = path.join(store.dir, 'held.json');
    writeFileSync(
      flow,
      JSON.stringify({
        name: 'Held',
        stages: [
          { name: 'Wait', action: 'Hold', props: { release }, out: ['After'] },
          { name: 'After', action: 'Add', props: { n: 1 }, out: [] },
        ],
      }),
    );
    const cli = startCli([
      'flows',
      'run',
      flow,
      '--input',
      '1',
      '--actions',
      STAGES,
      '--store',
      store.spec,
    ]);
    expect(await cli.nextLine()).toMatch(/^Saved flow "Held"/);
    expect(await cli.nextLine()).toMatch(/^Run [0-9a-f-]{36} of flow "Held"/);
    expect(await cli.nextLine()).toBe('  started    Wait');
    cli.child.kill('SIGINT');
    await cli.stderrLine(/^flowline: pausing run [0-9a-f-]{36}: running stages finish first/);
    writeFileSync(release, 'go\n');
    const ended = await cli.exited;
    expect(ended.code).toBe(ExitCode.INTERRUPTED);
    expect(ended.stdout).toMatch(/ {2}succeeded {2}Wait/);
    expect(ended.stdout).not.toMatch(/started {4}After/);
    expect(ended.stdout).toMatch(/is paused with result pending/);
    const { plans } = await contents();
    expect(plans.map((plan) => [plan.label, plan.state])).toEqual([['flow:Held', 'paused']]);
  });

  it('exits 4 for a flow name the store does not have', async () => {
    const ended = await flowsRun('No Such Flow');
    expect(ended.code).toBe(ExitCode.PLAN_NOT_FOUND);
    expect(ended.stderr).toContain('no flow named "No Such Flow" in the store');
    expect(hasStackTrace(ended.stderr)).toBe(false);
  });

  it('writes nothing for an invalid flow file (exit 2, every violation listed)', async () => {
    const ended = await flowsRun(`${DIR}/graph.yaml`);
    expect(ended.code).toBe(ExitCode.USAGE);
    expect(ended.stderr).toContain(`${DIR}/graph.yaml:6:14 /stages/0/out/1: stage "Missing"`);
    expect(ended.stderr).toContain(`${DIR}/graph.yaml:14:11 /stages/2/out/0: cycle`);
    expect(await contents()).toEqual({ plans: [], versions: [] });
  });

  it('says which file is missing rather than looking for a flow of that name', async () => {
    const ended = await flowsRun(`${DIR}/missing.yml`);
    expect(ended.code).toBe(ExitCode.USAGE);
    expect(ended.stderr).toMatch(
      /cannot read the flow file .*missing\.yml: the file does not exist/,
    );
  });

  it('refuses --input that is not JSON, naming the flag, and writes nothing', async () => {
    const ended = await flowsRun(`${DIR}/diamond.yaml`, '--input', "{email: 'a'}");
    expect(ended.code).toBe(ExitCode.USAGE);
    expect(ended.stderr).toMatch(/^flowline: option --input must be JSON/);
    expect(hasStackTrace(ended.stderr)).toBe(false);
    expect(await contents()).toEqual({ plans: [], versions: [] });
  });
});
