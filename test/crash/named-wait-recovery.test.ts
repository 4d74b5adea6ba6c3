/**
 * A worker process whose step waits for `carrier.shipped` is killed with SIGKILL; a message sent
 * from another process before the crash was kept in the store, and the world started afterwards on
 * the same SQLite file delivers it to the step.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { planReaching } from '../helpers/world.js';
import { AwaitCarrier } from './named-wait-actions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

it('a shipment notice kept before the worker was killed is delivered by the world that recovers the plan', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-named-wait-crash-'));
  dirs.push(dir);
  const filename = path.join(dir, 'plans.db');

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'named-wait-worker.ts'), filename],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  const planId = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('WAITING ')) resolve(line.slice('WAITING '.length));
    });
    void exited.then(() => reject(new Error(`worker exited early:\n${stderr}`)));
  });

  // Another process (a web server, say) sends the notice: a client-only world keeps it in the store.
  const client = new World({
    adapter: new SqliteAdapter({ filename }),
    actions: [AwaitCarrier],
    executor: false,
    logger: silentLogger,
  });
  await client.start();
  await client.send(planId, 'carrier.shipped', { tracking: 'KEPT-THROUGH-CRASH' });
  await client.close();

  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  const world = new World({
    adapter: new SqliteAdapter({ filename }),
    actions: [AwaitCarrier],
    logger: silentLogger,
  });
  await world.start();
  try {
    const plan = await planReaching(world, planId);
    expect([plan.state, plan.result]).toEqual(['stopped', 'success']);
    expect(plan.actions[0]?.output).toEqual({ tracking: 'KEPT-THROUGH-CRASH' });
  } finally {
    await world.close();
  }
}, 60_000);
