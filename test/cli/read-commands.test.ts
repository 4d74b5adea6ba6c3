/**
 * `flowline plans` and `flowline show` on a real SQLite store, the exit codes and error lines of
 * usage and store errors, help and version.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import type { PlanSummary } from '../../src/cli/commands/plans.js';
import { Deploy, Doomed, FlakyDeploy } from './fixtures/actions.js';
import type { TestStore } from './helpers.js';
import { ROOT, createStore, hasStackTrace, parseJson, runCli, tempDir } from './helpers.js';

let store: TestStore;
/** The plans in the store, oldest first. */
let finished: ExecutionPlan;
let paused: ExecutionPlan;
let failed: ExecutionPlan;

beforeAll(async () => {
  store = await createStore();
  await store.withWorld(async (world) => {
    finished = await world.trigger(Deploy).finished;
    paused = await world.trigger(FlakyDeploy, path.join(store.dir, 'marker')).finished;
    failed = await world.trigger(Doomed).finished;
  });
  expect([finished.state, finished.result]).toEqual(['stopped', 'success']);
  expect([paused.state, paused.result]).toEqual(['paused', 'error']);
  expect([failed.state, failed.result]).toEqual(['stopped', 'error']);
});

async function planIds(...args: string[]): Promise<string[]> {
  const result = await runCli(['plans', '--store', store.spec, '--json', ...args]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseJson<PlanSummary[]>(result.stdout).map((plan) => plan.id);
}

describe('flowline plans', () => {
  it('prints a table of the plans, newest first', async () => {
    const result = await runCli(['plans', '--store', store.spec]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+LABEL\s+STATE\s+RESULT\s+PROGRESS\s+STARTED\s+ENDED$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/).slice(0, 5))).toEqual([
      [failed.id, 'Doomed', 'stopped', 'error', '0%'],
      [paused.id, 'FlakyDeploy', 'paused', 'error', '33%'],
      [finished.id, 'Deploy', 'stopped', 'success', '100%'],
    ]);
    // Not a terminal: no colour codes.
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('prints JSON summaries with --json', async () => {
    const result = await runCli(['plans', '--store', store.spec, '--json']);
    expect(result.code).toBe(0);
    const plans = parseJson<PlanSummary[]>(result.stdout);
    expect(plans).toHaveLength(3);
    expect(plans[2]).toEqual({
      id: finished.id,
      label: 'Deploy',
      state: 'stopped',
      result: 'success',
      progress: 1,
      startedAt: finished.startedAt,
      endedAt: finished.endedAt,
    });
    expect(plans[1]).toMatchObject({ id: paused.id, state: 'paused', endedAt: null });
    expect(plans[1]?.progress).toBeCloseTo(1 / 3);
  });

  it('filters by state, result and label, and pages with --limit and --offset', async () => {
    const [byState, byResult, both, byLabel, list, repeated, page, none] = await Promise.all([
      planIds('--state', 'paused'),
      planIds('--result', 'error'),
      planIds('--state', 'stopped', '--result', 'success'),
      planIds('--label', 'Deploy'),
      planIds('--state', 'paused,stopped', '--limit', '2'),
      planIds('--state', 'paused', '--state', 'running'),
      planIds('--limit', '1', '--offset', '1'),
      planIds('--state', 'running'),
    ]);
    expect(byState).toEqual([paused.id]);
    expect(byResult).toEqual([failed.id, paused.id]);
    expect(both).toEqual([finished.id]);
    expect(byLabel).toEqual([finished.id]);
    expect(list).toEqual([failed.id, paused.id]);
    expect(repeated).toEqual([paused.id]);
    expect(page).toEqual([paused.id]);
    expect(none).toEqual([]);
  });

  it('says so when no plan matches', async () => {
    const result = await runCli(['plans', '--store', store.spec, '--state', 'running']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No execution plans match.\n');
  });

  it('takes the store from FLOWLINE_STORE', async () => {
    const result = await runCli(['plans', '--json'], { FLOWLINE_STORE: store.spec });
    expect(result.code).toBe(0);
    expect(parseJson<PlanSummary[]>(result.stdout)).toHaveLength(3);
  });
});

describe('flowline show', () => {
  it('prints the summary, the steps with their errors, and the history', async () => {
    const result = await runCli(['show', paused.id, '--store', store.spec]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const text = result.stdout;
    expect(text).toMatch(new RegExp(`^Plan\\s+${paused.id}$`, 'm'));
    expect(text).toMatch(/^Label\s+FlakyDeploy$/m);
    expect(text).toMatch(/^State\s+paused$/m);
    expect(text).toMatch(/^Result\s+error$/m);
    expect(text).toMatch(/^ID\s+PHASE\s+ACTION\s+STATE\s+PROGRESS\s+ERROR$/m);
    expect(text).toMatch(/^\s*3\s+run\s+Provision #2\s+success\s+100%$/m);
    expect(text).toMatch(
      /^\s*5\s+run\s+FlakyStep #3\s+error\s+0%\s+flaky: the first attempt fails$/m,
    );
    expect(text).toMatch(/^\s*7\s+run\s+Provision #4\s+pending\s+0%$/m);
    expect(text).toMatch(/^History$/m);
    expect(text).toMatch(/start execution/);
    expect(text).toMatch(/pause execution/);
  });

  it('prints the ExecutionPlan with --json', async () => {
    const result = await runCli(['show', failed.id, '--store', store.spec, '--json']);
    expect(result.code).toBe(0);
    expect(parseJson<ExecutionPlan>(result.stdout)).toEqual(failed);
  });

  it('exits 4 for an unknown plan id, with one line on stderr', async () => {
    const result = await runCli(['show', 'no-such-plan', '--store', store.spec]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('flowline: no execution plan no-such-plan (PLAN_NOT_FOUND)\n');
  });

  it('adds a JSON error object on stderr with --json', async () => {
    const result = await runCli(['show', 'no-such-plan', '--store', store.spec, '--json']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    const [line, json] = result.stderr.trimEnd().split('\n');
    expect(line).toBe('flowline: no execution plan no-such-plan (PLAN_NOT_FOUND)');
    expect(parseJson(json ?? '')).toEqual({
      error: { code: 'PLAN_NOT_FOUND', message: 'no execution plan no-such-plan' },
    });
  });

  it('reports usage errors as JSON too with --json', async () => {
    const result = await runCli(['plans', '--store', store.spec, '--json', '--limit', 'x']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const last = result.stderr.trimEnd().split('\n').at(-1) ?? '';
    expect(parseJson(last)).toEqual({
      error: { code: 'USAGE', message: 'option --limit must be an integer at least 1, got "x"' },
    });
  });

  it('prints the stack trace only with --debug', async () => {
    const plain = await runCli(['show', 'nope', '--store', store.spec]);
    expect(hasStackTrace(plain.stderr)).toBe(false);
    const debug = await runCli(['show', 'nope', '--store', store.spec, '--debug']);
    expect(debug.code).toBe(4);
    expect(hasStackTrace(debug.stderr)).toBe(true);
  });
});

describe('store errors (exit 3)', () => {
  it('refuses a missing SQLite file and does not create it', async () => {
    const missing = path.join(tempDir(), 'missing.db');
    const result = await runCli(['plans', '--store', `sqlite:${missing}`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^flowline: no SQLite store at .*missing\.db: the file does not exist/,
    );
    expect(result.stderr).toMatch(/\(STORAGE_ERROR\)\n$/);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a directory', async () => {
    const dir = path.join(tempDir(), 'store.db');
    mkdirSync(dir);
    const result = await runCli(['plans', '--store', `sqlite:${dir}`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/is not a file/);
  });

  it('refuses a file that is not a database', async () => {
    const file = path.join(tempDir(), 'notes.txt');
    writeFileSync(file, 'these are not the plans you are looking for\n'.repeat(100));
    const result = await runCli(['show', 'x', '--store', `sqlite:${file}`, '--json']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/is not a SQLite database/);
    expect(result.stderr).toMatch(/"code":"STORAGE_ERROR"/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it('refuses a SQLite database without Flowline tables, and leaves it untouched', async () => {
    const file = path.join(tempDir(), 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    const before = readFileSync(file);
    const result = await runCli(['plans', '--store', `sqlite:${file}`]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/is a SQLite database but not a Flowline store/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).size).toBe(before.length);
  });
});

describe('usage errors (exit 2)', () => {
  it.concurrent.each([
    [['frobnicate'], /unknown command "frobnicate"/, ''],
    [['plans', '--frob'], /unknown option --frob/, ' plans'],
    [['plans', '--limit', 'ten'], /option --limit must be an integer/, ' plans'],
    [['plans', '--limit', '0'], /option --limit must be an integer at least 1/, ' plans'],
    [
      ['plans', '--state', 'sleeping'],
      /option --state must be one of pending, .*; got "sleeping"/,
      ' plans',
    ],
    [['plans', '--result', 'meh'], /option --result must be one of/, ' plans'],
    [['plans', '--store'], /option --store needs a value/, ' plans'],
    [['plans', '--json=yes'], /option --json does not take a value/, ' plans'],
    [['show'], /missing <id>/, ' show'],
    [['show', 'a', 'b'], /unexpected argument "b"/, ' show'],
    [['watch', 'a', '--interval', 'fast'], /option --interval must be an integer/, ' watch'],
    [['plans', '--store', './flowline.db'], /did you mean sqlite:\.\/flowline\.db\?/, ' plans'],
    [
      ['plans', '--store', 'sqlite:x.db', '--schema', 's'],
      /--schema only applies to a PostgreSQL store/,
      ' plans',
    ],
    [['plans'], /no store given/, ' plans'],
    [[], /missing command/, ''],
  ])('flowline %j', async (args, message, helpOf) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(`Run 'flowline${helpOf} --help' for usage.`);
    expect(hasStackTrace(result.stderr)).toBe(false);
    if (args.length > 0) expect(result.stdout).toBe('');
  });
});

describe('help and version', () => {
  it('prints the commands with --help', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of ['plans', 'show', 'watch', 'resume', 'cancel', 'halt', 'console']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  it("prints a command's options with <command> --help", async () => {
    const result = await runCli(['plans', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: flowline plans/);
    expect(result.stdout).toContain('--limit <n>');
    const resume = await runCli(['resume', '-h']);
    expect(resume.stdout).toContain('Why --actions');
  });

  it('prints the version of package.json', async () => {
    const { version } = parseJson<{ version: string }>(
      readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
    );
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });
});
