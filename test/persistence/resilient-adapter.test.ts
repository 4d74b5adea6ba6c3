import { describe, expect, it } from 'vitest';
import type { Clock, PersistenceAdapter } from '../../src/index.js';
import type { WriteBatch } from '../../src/persistence/index.js';
import { Action, FlowlineError, MemoryAdapter, World } from '../../src/index.js';
import { recordingLogger } from '../helpers/world.js';

/** A clock whose timers fire on the next microtask: retries wait on the clock, not on real time. */
const instantClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn) => {
    queueMicrotask(fn);
    return undefined;
  },
  clearTimeout: () => {},
};

/** A memory store whose next `failures` writes fail the way a flaky database would. */
class FlakyAdapter extends MemoryAdapter {
  writes = 0;
  constructor(
    private failures: number,
    private readonly failure: () => unknown,
  ) {
    super();
  }
  override async write(batch: WriteBatch): Promise<void> {
    this.writes++;
    if (this.failures > 0) {
      this.failures--;
      throw this.failure();
    }
    return super.write(batch);
  }
}

class Work extends Action {
  run() {
    this.output.done = true;
  }
}

const busy = () =>
  new FlowlineError('STORAGE_ERROR', 'database is locked (SQLITE_BUSY)', { retryable: true });

async function run(adapter: PersistenceAdapter) {
  const logger = recordingLogger();
  const world = new World({ adapter, actions: [Work], clock: instantClock, logger });
  await world.start();
  try {
    return { plan: await world.trigger(Work).finished, logger };
  } finally {
    await world.close();
  }
}

describe('storage failures', () => {
  it('transient failures are retried with backoff and the plan completes', async () => {
    const adapter = new FlakyAdapter(3, busy);
    const { plan, logger } = await run(adapter);
    expect(plan.result).toBe('success');
    expect(adapter.writes).toBeGreaterThan(3);
    const retries = logger.entries.filter((e) => e.message.includes('retrying'));
    expect(retries.map((e) => e.message)).toEqual([
      expect.stringMatching(/storage write failed \(attempt 1\); retrying in 50 ms/),
      expect.stringMatching(/attempt 2\); retrying in 100 ms/),
      expect.stringMatching(/attempt 3\); retrying in 200 ms/),
    ]);
  });

  it('a failure that is not transient surfaces at once as STORAGE_ERROR with its cause', async () => {
    const disk = new Error('ENOSPC: no space left on device');
    const adapter = new FlakyAdapter(1, () => disk);
    const logger = recordingLogger();
    const world = new World({ adapter, actions: [Work], clock: instantClock, logger });
    await world.start();
    try {
      let caught: unknown;
      try {
        await world.trigger(Work).planned;
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FlowlineError);
      expect((caught as FlowlineError).code).toBe('STORAGE_ERROR');
      expect((caught as FlowlineError).message).toContain('no space left on device');
      expect((caught as FlowlineError).cause).toBe(disk);
      expect(adapter.writes).toBe(1);
      // Nothing half-written: the failed plan is not in the store, and the world still works.
      expect(await world.executionPlans()).toEqual([]);
      expect((await world.trigger(Work).finished).result).toBe('success');
    } finally {
      await world.close();
    }
  });

  it('retries give up after the policy’s attempts and report the last failure', async () => {
    const adapter = new FlakyAdapter(100, busy);
    const logger = recordingLogger();
    const world = new World({
      adapter,
      actions: [Work],
      clock: instantClock,
      logger,
      storageRetry: { retries: 2 },
    });
    await world.start();
    try {
      let caught: unknown;
      try {
        await world.plan(Work);
      } catch (error) {
        caught = error;
      }
      expect((caught as FlowlineError).code).toBe('STORAGE_ERROR');
      expect((caught as FlowlineError).retryable).toBe(true);
      expect(adapter.writes).toBe(3);
    } finally {
      await world.close();
    }
  });
});
