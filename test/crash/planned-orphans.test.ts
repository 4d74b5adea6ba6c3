/**
 * Defect: plans left `planned` by a crash were never run (recovery took over `running` plans
 * only). A worker triggers 200 plans and is killed with SIGKILL as soon as the first is stored; a
 * world started afterwards on the same file must execute every plan that was stored.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { planReaching } from '../helpers/world.js';
import { crashActions } from './actions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function triggerAndKill(filename: string, journal: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'trigger-worker.ts'), filename, '200'],
    {
      env: { ...process.env, FLOWLINE_CRASH_JOURNAL: journal, FLOWLINE_CRASH_BLOCK: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('PLANNED ')) resolve();
    });
    void exited.then(() => reject(new Error(`worker exited early:\n${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

it('plans a killed process left planned are executed by the next world on the store', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-orphans-'));
  dirs.push(dir);
  const filename = path.join(dir, 'flowline.db');
  const journal = path.join(dir, 'journal.log');
  writeFileSync(journal, '');
  await triggerAndKill(filename, journal);

  process.env.FLOWLINE_CRASH_JOURNAL = journal;
  const inspect = new SqliteAdapter({ filename });
  await inspect.start();
  const left = await inspect.findPlans();
  await inspect.close();
  expect(left.length).toBeGreaterThan(0);

  const world = new World({
    adapter: new SqliteAdapter({ filename }),
    actions: crashActions,
    logger: silentLogger,
  });
  await world.start();
  try {
    const settled = await Promise.all(
      left.map((plan) => planReaching(world, plan.id, ['stopped'])),
    );
    for (const plan of settled)
      expect([plan.id, plan.state, plan.result]).toEqual([plan.id, 'stopped', 'success']);
    expect(await world.executionPlans({ state: ['planned', 'running', 'paused'] })).toEqual([]);
  } finally {
    await world.close();
  }
});
