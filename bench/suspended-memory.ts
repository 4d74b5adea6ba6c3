/**
 * Heap bytes per suspended step. Run by bench/run.ts in a child process with `--expose-gc`:
 *
 *   node --expose-gc --import tsx bench/suspended-memory.ts <memory|sqlite> <plans> <stepsPerPlan> [dir]
 *
 * Triggers `plans` plans of `stepsPerPlan` run steps that suspend and never get an event (in a
 * concurrence when more than one), waits until the world reports every one suspended, and prints
 * one line of JSON: heap used after a forced GC before and after, and the time it took. On the
 * memory store the stored plans are on the heap too; on SQLite (synchronous NORMAL) they are on
 * disk, so the heap is what the engine itself keeps for suspended steps. The SQLite file goes in
 * `dir` (which the caller removes, also when it has to kill this process), else in a temporary
 * directory of its own.
 */
import { join } from 'node:path';
import type { PersistenceAdapter } from '../src/index.js';
import { Action, MemoryAdapter, World } from '../src/index.js';
import { SqliteAdapter } from '../src/persistence/sqlite/index.js';
import { benchLogger, engineComplaints } from './logger.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

/** What the child prints. */
export interface SuspendedMemoryResult {
  readonly store: 'memory' | 'sqlite';
  readonly plans: number;
  readonly stepsPerPlan: number;
  readonly heapBefore: number;
  readonly heapAfter: number;
  readonly bytesPerStep: number;
  readonly triggerToSuspendedMs: number;
  readonly complaints: Record<string, number>;
}

/** A run step that suspends and waits for an event that never comes. */
class Wait extends Action<{ i: number }> {
  run(): void {
    this.suspend();
  }
}

/** `size` waiting steps in a concurrence. */
class Waits extends Action {
  override plan(size: number): void {
    this.concurrence(() => {
      for (let i = 0; i < size; i++) this.planAction(Wait, { i });
    });
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

/** Heap used after collecting garbage (a few times, until it settles). */
function heapUsed(collect: () => void): number {
  for (let i = 0; i < 4; i++) collect();
  return process.memoryUsage().heapUsed;
}

/** Heap bytes per suspended step of `plans` plans of `stepsPerPlan` steps on `store`. */
async function measure(
  store: 'memory' | 'sqlite',
  plans: number,
  stepsPerPlan: number,
  collect: () => void,
  dir: string,
): Promise<SuspendedMemoryResult> {
  const adapter: PersistenceAdapter =
    store === 'memory'
      ? new MemoryAdapter()
      : new SqliteAdapter({ filename: join(dir, 'bench.db'), synchronous: 'NORMAL' });
  const world = new World({
    adapter,
    actions: [Wait, Waits],
    concurrency: 100,
    logger: benchLogger,
  });
  try {
    await world.start();
    const total = plans * stepsPerPlan;
    let suspended = 0;
    const allSuspended = new Promise<void>((resolve) => {
      world.on('step:state', ({ phase, state }) => {
        if (phase === 'run' && state === 'suspended' && ++suspended === total) resolve();
      });
    });
    const heapBefore = heapUsed(collect);
    const start = performance.now();
    // Trigger in batches, waiting for each batch to be planned, so that what is measured at the end
    // is what the engine keeps, not a backlog of plans not yet planned.
    const batch = Math.max(1, Math.floor(1000 / stepsPerPlan));
    for (let done = 0; done < plans;) {
      const planned: Promise<unknown>[] = [];
      for (const end = Math.min(plans, done + batch); done < end; done++) {
        planned.push(
          stepsPerPlan === 1
            ? world.trigger(Wait, { i: done }).planned
            : world.trigger(Waits, stepsPerPlan).planned,
        );
      }
      await Promise.all(planned);
    }
    await allSuspended;
    const triggerToSuspendedMs = performance.now() - start;
    const heapAfter = heapUsed(collect);
    return {
      store,
      plans,
      stepsPerPlan,
      heapBefore,
      heapAfter,
      bytesPerStep: (heapAfter - heapBefore) / total,
      triggerToSuspendedMs,
      complaints: Object.fromEntries(engineComplaints),
    };
  } finally {
    await world.close();
  }
}

const [store, plans, stepsPerPlan, given] = process.argv.slice(2);
if (
  (store !== 'memory' && store !== 'sqlite') ||
  plans === undefined ||
  stepsPerPlan === undefined
) {
  throw new Error('usage: suspended-memory.ts <memory|sqlite> <plans> <stepsPerPlan> [dir]');
}
const dir = given ?? (await makeTempDir('memory'));
try {
  const result = await measure(store, Number(plans), Number(stepsPerPlan), gc, dir);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  if (given === undefined) await removeTempDir(dir);
}
