/**
 * A worker process rolling back plans on a SQLite file is killed with SIGKILL in the middle of a
 * compensation; a world started afterwards on the same file finishes the rollbacks: every
 * compensation that was committed is not repeated, and the interrupted one follows the rule of any
 * interrupted step (run again when its action is idempotent, else ABNORMAL_TERMINATION and the
 * plan pauses until an operator resumes it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import { World, silentLogger } from '../../src/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { planReaching } from '../helpers/world.js';
import { sagaActions } from './saga-actions.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts the worker, waits until both compensations of Pay are blocked, then SIGKILLs it. */
async function runAndKill(filename: string, journal: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'saga-worker.ts'), filename],
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
      if (line.startsWith('BLOCKED ') && ++blocked === 2) resolve();
    });
    void exited.then(() => reject(new Error(`worker exited early:\n${stderr}`)));
  });
  await allBlocked;
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

function journalCounts(journal: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(journal, 'utf8').split('\n').filter(Boolean)) {
    counts.set(line, (counts.get(line) ?? 0) + 1);
  }
  return counts;
}

describe('a worker killed with SIGKILL mid-rollback', () => {
  it('on SQLite: a new world on the same file finishes each rollback, repeating no committed compensation', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowline-rollback-crash-'));
    dirs.push(dir);
    const journal = path.join(dir, 'journal.log');
    writeFileSync(journal, '');
    const filename = path.join(dir, 'plans.db');
    await runAndKill(filename, journal);

    // What the killed worker left: both plans running, rolling back, Pay's compensation running.
    const inspect = new SqliteAdapter({ filename });
    await inspect.start();
    const left = await inspect.findPlans({ state: 'running' });
    expect(left).toHaveLength(2);
    for (const { id } of left) {
      const stored = await inspect.loadPlan(id);
      expect(stored?.plan.compensateFlow?.flows).toHaveLength(3);
      const running = stored?.steps.filter((s) => s.state === 'running');
      expect(running?.map((s) => [s.phase, s.className.endsWith('Pay')])).toEqual([
        ['compensate', true],
      ]);
    }
    await inspect.close();

    process.env.FLOWLINE_CRASH_JOURNAL = journal;
    const world = new World({
      adapter: new SqliteAdapter({ filename }),
      actions: sagaActions,
      logger: silentLogger,
    });
    await world.start();
    try {
      const all = await world.executionPlans();
      expect(all).toHaveLength(2);
      const settled = await Promise.all(all.map((plan) => planReaching(world, plan.id)));
      const find = (pay: string): ExecutionPlan =>
        settled.find((plan) => plan.actions.some((a) => a.className === pay)) as ExecutionPlan;

      // The idempotent compensation simply ran again: the rollback is over.
      const idempotent = find('IdempotentPay');
      expect([idempotent.state, idempotent.result]).toEqual(['stopped', 'cancelled']);

      // The fragile one failed with ABNORMAL_TERMINATION and paused the rollback…
      const fragile = find('FragilePay');
      expect([fragile.state, fragile.result]).toEqual(['paused', 'error']);
      expect(
        fragile.steps
          .filter((s) => s.state === 'error' && s.phase === 'compensate')
          .map((s) => [s.className, s.error?.code]),
      ).toEqual([['FragilePay', 'ABNORMAL_TERMINATION']]);
      // …which resume continues.
      const resumed = await world.resume(fragile.id);
      expect([resumed.state, resumed.result]).toEqual(['stopped', 'cancelled']);

      const counts = journalCounts(journal);
      for (const [plan, pay] of [
        [idempotent, 'IdempotentPay'],
        [fragile, 'FragilePay'],
      ] as const) {
        // Nothing of the forward path ran again.
        for (const name of ['Book', pay, 'Hotel', 'Overbooked']) {
          expect(counts.get(`run ${plan.id} ${name}`), name).toBe(1);
        }
        // Hotel's compensation was committed before the kill: not repeated.
        expect(counts.get(`undo ${plan.id} Hotel`)).toBe(1);
        // Pay's started in the worker and once more here, and finished once.
        expect(counts.get(`undo-start ${plan.id} ${pay}`)).toBe(2);
        expect(counts.get(`undo ${plan.id} ${pay}`)).toBe(1);
        expect(counts.get(`undo ${plan.id} Book`)).toBe(1);
      }
    } finally {
      await world.close();
    }
  }, 60_000);
});
