/**
 * A worker running a flow is killed with SIGKILL while one Map item's stage runs. The world started
 * afterwards on the same SQLite file recovers the run: the interrupted item ends paused with the
 * reason, so does the run (its Map step reports the failed item); resuming the item, then the run,
 * finishes it with every item's result in order. Nothing is left running or lost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import { Flows } from '../../src/flows/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { planReaching } from '../helpers/world.js';
import { SlowSquare } from './flow-stages.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('a flow run interrupted by SIGKILL in a Map item ends paused with a reason, and resumes to success', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-flow-crash-'));
  dirs.push(dir);
  const filename = path.join(dir, 'flows.db');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'flow-worker.ts'), filename],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FLOWLINE_CRASH_BLOCK: '1' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  let runId = '';
  const itemId = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('RUN ')) runId = line.slice(4);
      if (line.startsWith('BLOCKED ')) resolve(line.slice(8));
    });
    void exited.then(() => reject(new Error(`worker exited early:\n${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const world = new World({ adapter: new SqliteAdapter({ filename }), logger: silentLogger });
  const flows = new Flows({ world, actions: [SlowSquare] });
  await world.start();
  try {
    const item = await planReaching(world, itemId);
    expect(item.state).toBe('paused');
    const interrupted = item.steps.find((step) => step.state === 'error');
    expect(interrupted?.error?.message).toMatch(/.+/);
    const run = await planReaching(world, runId);
    expect(run.state).toBe('paused');
    expect(run.steps.find((step) => step.state === 'error')?.error?.code).toBe('SUB_PLANS_FAILED');

    // Item 3 (and any item that was mid-step when the worker died) paused; resume each.
    const paused = (await world.subPlans(runId)).filter((item) => item.state === 'paused');
    expect(paused.map((item) => item.id)).toContain(itemId);
    for (const item of paused) {
      const resumed = await world.resume(item.id);
      expect([resumed.state, resumed.result]).toEqual(['stopped', 'success']);
    }
    const done = await world.resume(runId);
    expect([done.state, done.result]).toEqual(['stopped', 'success']);
    expect(await flows.result(runId, 'collect')).toEqual([1, 4, 9, 16, 25]);
  } finally {
    await world.close();
  }
}, 60_000);
