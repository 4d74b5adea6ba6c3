/**
 * The `flowline` command as packaged: dist/cli/main.js, run by `node` the way npm's bin link runs
 * it. CI builds before testing; locally these tests are skipped (with the reason in their title)
 * until `npm run build` has been run.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlakyDeploy, Provision } from './fixtures/actions.js';
import { ROOT, createStore, parseJson, tempDir } from './helpers.js';

const BIN = path.join(ROOT, 'dist/cli/main.js');
const built = existsSync(BIN);
if (!built) console.warn(`built CLI tests skipped: ${BIN} is missing (run npm run build)`);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runBuilt(args: readonly string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 70), stdout, stderr });
    });
  });
}

describe.skipIf(!built)(`the built flowline command (skipped until ${BIN} exists)`, () => {
  it('starts with its #! line and reports the package version', async () => {
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const version = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
    const run = await runBuilt(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('lists and shows the plans of a SQLite store, and answers 4 for an unknown id', async () => {
    const store = await createStore();
    const plan = await store.withWorld(
      async (world) => world.trigger(Provision, { host: 'a' }).finished,
    );
    const listed = await runBuilt(['plans', '--store', store.spec, '--json']);
    expect(listed.code).toBe(0);
    expect(parseJson<{ id: string; state: string }[]>(listed.stdout)).toEqual([
      expect.objectContaining({ id: plan.id, state: 'stopped' }),
    ]);
    const shown = await runBuilt(['show', plan.id, '--store', store.spec, '--json']);
    expect(parseJson<{ id: string; result: string }>(shown.stdout)).toMatchObject({
      id: plan.id,
      result: 'success',
    });
    expect((await runBuilt(['show', 'no-such-plan', '--store', store.spec])).code).toBe(4);
  });

  it("resumes a paused plan with a user's module importing 'flowline' (one Action class)", async () => {
    const store = await createStore();
    const marker = path.join(tempDir(), 'marker');
    const paused = await store.withWorld(
      async (world) => world.trigger(FlakyDeploy, marker).finished,
    );
    expect(paused.state).toBe('paused');
    const actions = path.join(ROOT, 'test/cli/fixtures/built-actions.mjs');
    const run = await runBuilt(['resume', paused.id, '--store', store.spec, '--actions', actions]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const resumed = await store.withWorld(async (world) => world.executionPlan(paused.id));
    expect(resumed).toMatchObject({ state: 'stopped', result: 'success' });
  });

  it('refuses, saying so, classes that extend a second installation of the package', async () => {
    // A copy of the built package elsewhere, as a second `npm install` would leave it: its own
    // package.json named flowline, and the user's module importing 'flowline' from there.
    const copy = tempDir();
    cpSync(path.join(ROOT, 'dist'), path.join(copy, 'dist'), { recursive: true });
    cpSync(path.join(ROOT, 'package.json'), path.join(copy, 'package.json'));
    // Its dependencies (eventemitter3, immer, p-retry), as installed with it.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const actions = path.join(copy, 'actions.mjs');
    writeFileSync(
      actions,
      "import { Action, PollingAction } from 'flowline';\n" +
        'export class FlakyDeploy extends Action {}\n' +
        'export class Probe extends PollingAction {}\n',
    );
    const store = await createStore();
    const paused = await store.withWorld(
      async (world) => world.trigger(FlakyDeploy, path.join(tempDir(), 'marker')).finished,
    );
    const run = await runBuilt(['resume', paused.id, '--store', store.spec, '--actions', actions]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `flowline: --actions: ${actions} exports FlakyDeploy, Probe, which extend another copy of ` +
        "flowline's Action (a CommonJS build, or flowline installed twice); import Action from " +
        'the same flowline the command runs from\n' +
        "Run 'flowline resume --help' for usage.\n",
    );
    const after = await store.withWorld(async (world) => world.executionPlan(paused.id));
    expect(after?.state).toBe('paused');
  });
});
