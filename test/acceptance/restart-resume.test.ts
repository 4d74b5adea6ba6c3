/**
 * A plan survives a JSON round trip of every stored record and a restart of the process (a new
 * adapter and a new world on the same store), and resumes where it stopped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PersistenceAdapter } from '../../src/index.js';
import { Action, FlowlineError, World, silentLogger } from '../../src/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { postgresUrl, useTestDatabase } from '../helpers/postgres.js';

let remoteIsUp = false;
const calls: string[] = [];

class Reserve extends Action<{ name: string }, { ticket: string }> {
  run() {
    calls.push('reserve');
    this.output.ticket = `T-${this.input.name}`;
  }
}

class Notify extends Action<{ ticket: string }, { sent: boolean }> {
  run() {
    calls.push('notify');
    if (!remoteIsUp) throw new Error('mail relay unreachable');
    this.output.sent = true;
  }
}

class Booking extends Action {
  override plan(name: string) {
    this.sequence(() => {
      const reserved = this.planAction(Reserve, { name });
      this.planAction(Notify, { ticket: reserved.output.ticket });
    });
  }
}

const actions = [Reserve, Notify, Booking];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function pauseThenResumeAfterRestart(makeAdapter: () => PersistenceAdapter): Promise<void> {
  remoteIsUp = false;
  calls.length = 0;
  const before = new World({ adapter: makeAdapter(), actions, logger: silentLogger });
  await before.start();
  const paused = await before.trigger(Booking, 'ada').finished;
  await before.close();
  expect(paused.state).toBe('paused');

  // Every stored record survives a JSON round trip unchanged.
  const inspect = makeAdapter();
  await inspect.start();
  const stored = await inspect.loadPlan(paused.id);
  expect(stored).toBeDefined();
  expect(JSON.parse(JSON.stringify(stored))).toEqual(stored);
  expect(stored?.steps).toEqual(paused.steps);
  expect(stored?.actions).toEqual(paused.actions);
  await inspect.close();

  // A new process: new adapter, new world; the cause is fixed and the plan resumed.
  remoteIsUp = true;
  const after = new World({ adapter: makeAdapter(), actions, logger: silentLogger });
  await after.start();
  try {
    expect((await after.executionPlan(paused.id))?.state).toBe('paused');
    const done = await after.resume(paused.id);
    expect(done.state).toBe('stopped');
    expect(done.result).toBe('success');
    expect(calls).toEqual(['reserve', 'notify', 'notify']);
    expect(done.actions.find((a) => a.className === 'Reserve')?.output).toEqual({
      ticket: 'T-ada',
    });
    expect(done.actions.find((a) => a.className === 'Notify')?.output).toEqual({ sent: true });
  } finally {
    await after.close();
  }
}

async function startFailure(adapter: PersistenceAdapter): Promise<FlowlineError> {
  const world = new World({ adapter, actions, logger: silentLogger });
  try {
    await world.start();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    return error as FlowlineError;
  } finally {
    await world.close();
  }
  throw new Error('start() should have failed');
}

describe('SQLite', () => {
  const tempDir = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-restart-'));
    dirs.push(dir);
    return dir;
  };

  it('a paused plan survives a restart and resumes', async () => {
    const filename = path.join(tempDir(), 'plans.db');
    await pauseThenResumeAfterRestart(() => new SqliteAdapter({ filename }));
  });

  it('a file that is not a database fails world.start() with a clear error', async () => {
    const filename = path.join(tempDir(), 'notes.txt');
    writeFileSync(filename, 'shopping list: eggs, milk, a workflow engine\n'.repeat(200));
    const error = await startFailure(new SqliteAdapter({ filename }));
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toMatch(/not a SQLite database/);
  });
});

describe('PostgreSQL', () => {
  const db = useTestDatabase();

  it('a paused plan survives a restart and resumes', async () => {
    const schema = db.freshSchema();
    await pauseThenResumeAfterRestart(() =>
      db.track(new PostgresAdapter({ connectionString: db.url, schema })),
    );
  });

  it('a server that refuses the login fails world.start() with a clear error', async () => {
    const adapter = new PostgresAdapter({
      connectionString: postgresUrl(db.name, { password: 'not-the-password' }),
    });
    const error = await startFailure(adapter);
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.message).toMatch(/authentication/i);
  });
});
