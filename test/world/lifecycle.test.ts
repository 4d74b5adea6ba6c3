import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Action, World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { tempDirs } from '../persistence/sqlite/helpers.js';
import { ManagedClock } from '../../src/testing/managed-clock.js';
import {
  deferred,
  expectFlowlineError,
  recordingLogger,
  rejectionOf,
  thrownBy,
} from '../helpers/world.js';

class Noop extends Action {
  run() {}
}

const dirs = tempDirs();
const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
  dirs.removeAll();
});

/** A world on a fresh SQLite file, and the file's name. */
function sqliteWorld(): { world: World; filename: string } {
  const filename = join(dirs.make(), 'flowline.db');
  const world = new World({
    adapter: new SqliteAdapter({ filename }),
    actions: [Noop],
    logger: silentLogger,
  });
  opened.push(world);
  return { world, filename };
}

/** The world records in a SQLite store, read with a separate adapter. */
async function worldIds(filename: string): Promise<string[]> {
  const adapter = new SqliteAdapter({ filename });
  await adapter.start();
  try {
    return (await adapter.findWorlds()).map((world) => world.id);
  } finally {
    await adapter.close();
  }
}

/** Makes registering a world fail in this SQLite store (a real SQLite error, from a trigger). */
function refuseWorldRecords(filename: string): () => void {
  const db = new Database(filename);
  db.exec(
    "CREATE TRIGGER refuse_worlds BEFORE INSERT ON flowline_worlds BEGIN SELECT RAISE(FAIL, 'refused'); END",
  );
  db.close();
  return () => {
    const again = new Database(filename);
    again.exec('DROP TRIGGER refuse_worlds');
    again.close();
  };
}

describe('world start and close', () => {
  it('a start that failed leaves the world unstarted: operations refuse, and start can be tried again', async () => {
    const { world, filename } = sqliteWorld();
    // Create the schema first, then make the world's registration fail.
    await worldIds(filename);
    const allow = refuseWorldRecords(filename);
    expectFlowlineError(await rejectionOf(world.start()), 'STORAGE_ERROR');
    expectFlowlineError(
      thrownBy(() => world.trigger(Noop)),
      'WORLD_NOT_STARTED',
    );
    allow();
    await world.start();
    const plan = await world.trigger(Noop).finished;
    expect(plan.result).toBe('success');
    expect(await worldIds(filename)).toEqual([world.id]);
  });

  it('close() during start() waits for it and leaves no world record behind', async () => {
    const { world, filename } = sqliteWorld();
    const starting = world.start();
    const closing = world.close();
    await Promise.allSettled([starting]);
    await closing;
    expect(await worldIds(filename)).toEqual([]);
    expectFlowlineError(
      thrownBy(() => world.trigger(Noop)),
      'WORLD_CLOSED',
    );
  });

  it('start() after close() says the world is closed', async () => {
    const { world } = sqliteWorld();
    await world.start();
    await world.close();
    expectFlowlineError(await rejectionOf(world.start()), 'WORLD_CLOSED');
  });

  it('start() on a world never started but closed says the world is closed', async () => {
    const { world } = sqliteWorld();
    await world.close();
    expectFlowlineError(await rejectionOf(world.start()), 'WORLD_CLOSED');
  });

  it('a second start() while started says so with INVALID_ARGUMENT', async () => {
    const { world } = sqliteWorld();
    await world.start();
    const error = expectFlowlineError(await rejectionOf(world.start()), 'INVALID_ARGUMENT');
    expect(error.message).toMatch(/already started/);
  });
});

describe('close() with work that never ends', () => {
  it('resolves after closeTimeoutMs with a warning, leaving the plan for the next world to recover', async () => {
    const filename = join(dirs.make(), 'flowline.db');
    const started = deferred();
    class Hangs extends Action {
      async run() {
        started.resolve();
        await new Promise(() => {});
      }
    }
    const clock = new ManagedClock();
    const logger = recordingLogger();
    const world = new World({
      adapter: new SqliteAdapter({ filename }),
      actions: [Hangs],
      clock,
      logger,
      closeTimeoutMs: 5000,
    });
    await world.start();
    const triggered = world.trigger(Hangs);
    await started.promise;
    const done = { closed: false };
    const closing = world.close().then(() => {
      done.closed = true;
    });
    // Nothing ends the step: only the deadline lets close() go.
    while (!done.closed && clock.pending > 0) await clock.next();
    await closing;
    expect(done.closed).toBe(true);
    expect(
      logger.entries.some((e) => e.level === 'warn' && /closeTimeoutMs 5000/.test(e.message)),
    ).toBe(true);
    expectFlowlineError(await rejectionOf(triggered.finished), 'WORLD_CLOSED');

    // The next world recovers the plan as after a crash: the step was interrupted.
    class Done extends Action {
      static override actionName = 'Hangs';
      run() {}
    }
    const next = new World({
      adapter: new SqliteAdapter({ filename }),
      actions: [Done],
      logger: silentLogger,
    });
    opened.push(next);
    await next.start();
    const plan = await next.executionPlan(triggered.id);
    expect(plan?.state).toBe('paused');
    expect(plan?.steps.find((step) => step.phase === 'run')?.error?.code).toBe(
      'ABNORMAL_TERMINATION',
    );
  });

  it('a plan phase that never ends: close() resolves after closeTimeoutMs and planned rejects WORLD_CLOSED', async () => {
    const clock = new ManagedClock();
    class PlansForever extends Action {
      override async plan() {
        await new Promise(() => {});
      }
      run() {}
    }
    const world = new World({
      actions: [PlansForever],
      clock,
      logger: silentLogger,
      closeTimeoutMs: 1000,
    });
    await world.start();
    const triggered = world.trigger(PlansForever);
    const done = { closed: false };
    const closing = world.close().then(() => {
      done.closed = true;
    });
    while (!done.closed && clock.pending > 0) await clock.next();
    await closing;
    expectFlowlineError(await rejectionOf(triggered.planned), 'WORLD_CLOSED');
  });
});
