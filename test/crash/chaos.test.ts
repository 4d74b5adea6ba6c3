/**
 * `npm run chaos`, small and with a fixed seed: a child process running plans (sequences,
 * concurrences, finalize steps, idempotent and fragile actions) is SIGKILLed at seeded points and
 * started again on the same store; PostgreSQL is also stopped and started again mid-run. After a
 * final life that is not killed (and resumes what an operator would), nothing may be stranded or
 * lost, no committed step may have run again, and every finalize must have run exactly once.
 * scripts/chaos/verify.ts makes the checks against the journal the steps wrote; on failure the
 * report says which plans, in which state, and why as far as it can tell.
 *
 * The seed fixes the plans and the points aimed at, not the interleaving: the child races the
 * kills. Each store gets a directory of its own; PostgreSQL a server of its own (not the suite's,
 * which other test files share), since this one is stopped.
 */
import { describe, expect, it } from 'vitest';
import type { StoreRun } from '../../scripts/chaos/chaos.js';
import { runChaos } from '../../scripts/chaos/chaos.js';
import type { ChaosOptions } from '../../scripts/chaos/options.js';
import { DEFAULT_OPTIONS } from '../../scripts/chaos/options.js';
import { reportStore } from '../../scripts/chaos/report.js';

const SMALL: ChaosOptions = {
  ...DEFAULT_OPTIONS,
  seed: 11,
  keep: 'never',
  // The final life gives up waiting after 3 s without a change: a stuck plan fails the checks.
  settleMs: 3000,
  outageGraceMs: 15_000,
};

async function chaos(options: Partial<ChaosOptions>): Promise<StoreRun> {
  const [run] = await runChaos({ ...SMALL, ...options }, () => undefined);
  if (run === undefined) throw new Error('runChaos returned no run');
  return run;
}

function checked(run: StoreRun): void {
  const report = reportStore(run, true).join('\n');
  expect(run.verification.violations, report).toEqual([]);
  // What the checks looked at: every plan number stored, every kill made.
  expect(run.verification.plans.numbersStored, report).toBe(run.options.plans);
  expect(
    run.lives.filter((life) => life.killed !== undefined),
    report,
  ).toHaveLength(run.options.kills);
}

describe('chaos: SIGKILLs at seeded points strand nothing, lose nothing, repeat nothing committed', () => {
  it('on SQLite: 5 kills over 40 plans', async () => {
    checked(await chaos({ stores: ['sqlite'], plans: 40, kills: 5, outage: false }));
  }, 120_000);

  it('on PostgreSQL: 3 kills over 24 plans, the server stopped for 3 s mid-run', async () => {
    const run = await chaos({ stores: ['postgres'], plans: 24, kills: 3, postgresOutageMs: 3000 });
    expect(run.outage, reportStore(run, true).join('\n')).toBeDefined();
    checked(run);
  }, 120_000);
});
