/**
 * A worker process runs plans on a durable store and is killed with SIGKILL while steps are
 * running; a world started afterwards on the same store must finish every plan without losing or
 * repeating committed work.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan, PersistenceAdapter } from '../../src/index.js';
import { World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { planReaching } from '../helpers/world.js';
import { crashActions } from './actions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PER_KIND = 3;
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the worker, waits until every blocker is running, then kills it with SIGKILL. */
async function runAndKill(store: string, journal: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'worker.ts'), store, String(PER_KIND)],
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
  let blocked = 0;
  const allBlocked = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('BLOCKED ') && ++blocked === PER_KIND * 2) resolve();
    });
    void exited.then(() => reject(new Error(`worker exited early:\n${stderr}`)));
  });
  await allBlocked;
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

/** Lines of the journal, counted. */
function journalCounts(journal: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(journal, 'utf8').split('\n').filter(Boolean)) {
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

async function recoverEverything(
  makeAdapter: () => PersistenceAdapter,
  journal: string,
): Promise<void> {
  process.env.FLOWLINE_CRASH_JOURNAL = journal;
  // What the killed worker left behind: every plan running, its blocker step running.
  const inspect = makeAdapter();
  await inspect.start();
  const left = await inspect.findPlans({ state: 'running' });
  expect(left).toHaveLength(PER_KIND * 2);
  for (const { id } of left) {
    const stored = await inspect.loadPlan(id);
    expect(stored?.steps.filter((s) => s.state === 'running').map((s) => s.className)).toHaveLength(
      1,
    );
  }
  await inspect.close();

  const world = new World({ adapter: makeAdapter(), actions: crashActions, logger: silentLogger });
  await world.start();
  try {
    const all = await world.executionPlans();
    expect(all).toHaveLength(PER_KIND * 2);
    const settled = await Promise.all(all.map((plan) => planReaching(world, plan.id)));
    const byKind = (kind: string): ExecutionPlan[] =>
      settled.filter((plan) => plan.actions.some((a) => a.className === kind));

    // The interrupted idempotent step simply ran again.
    for (const plan of byKind('IdempotentBlocker')) {
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
    }
    // A non-idempotent one became an error…
    const fragile = byKind('FragileBlocker');
    for (const plan of fragile) {
      expect(plan.state).toBe('paused');
      const failed = plan.steps.filter((s) => s.state === 'error');
      expect(failed.map((s) => [s.className, s.error?.code])).toEqual([
        ['FragileBlocker', 'ABNORMAL_TERMINATION'],
      ]);
    }
    // …that resume fixes.
    for (const plan of fragile) {
      const done = await world.resume(plan.id);
      expect(done.state).toBe('stopped');
      expect(done.result).toBe('success');
    }

    const counts = journalCounts(journal);
    for (const plan of all) {
      const blocker = plan.actions.some((a) => a.className === 'IdempotentBlocker')
        ? 'IdempotentBlocker'
        : 'FragileBlocker';
      // No completed step ran twice.
      expect(counts.get(`run ${plan.id} Prepare`)).toBe(1);
      expect(counts.get(`run ${plan.id} ${blocker}`)).toBe(1);
      expect(counts.get(`run ${plan.id} Complete`)).toBe(1);
      // The interrupted step started in the worker and once more here.
      expect(counts.get(`start ${plan.id} ${blocker}`)).toBe(2);
      // Each finalize ran exactly once.
      for (const name of ['Prepare', blocker, 'Complete']) {
        expect(counts.get(`finalize ${plan.id} ${name}`)).toBe(1);
      }
    }
  } finally {
    await world.close();
  }
}

function freshJournal(): { dir: string; journal: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-crash-'));
  dirs.push(dir);
  const journal = path.join(dir, 'journal.log');
  writeFileSync(journal, '');
  return { dir, journal };
}

describe('a worker killed with SIGKILL mid-plan loses nothing', () => {
  it('on SQLite: a new world on the same file finishes every plan', async () => {
    const { dir, journal } = freshJournal();
    const filename = path.join(dir, 'plans.db');
    await runAndKill(`sqlite:${filename}`, journal);
    await recoverEverything(() => new SqliteAdapter({ filename }), journal);
  }, 60_000);

  const db = useTestDatabase();
  it('on PostgreSQL: a new world on the same schema finishes every plan', async () => {
    const { journal } = freshJournal();
    const schema = db.freshSchema();
    await runAndKill(`postgres:${schema}@${db.url}`, journal);
    await recoverEverything(() => db.freshAdapter(schema), journal);
  }, 60_000);
});
