/**
 * A chaos run on one store after another: lives of a child process killed with SIGKILL at seeded
 * points, a storage outage in the life of the middle kill, a final life that is not killed, then
 * the checks (verify.ts). `runChaos` is what `npm run chaos` and test/crash/chaos.test.ts call.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexJournal } from './journal-index.js';
import { JournalReader, appendLine } from './journal.js';
import type { KillReason, LifeOutcome } from './lives.js';
import { runLife } from './lives.js';
import type { ChaosOptions } from './options.js';
import type { OutageFindings } from './outage.js';
import { injectOutage } from './outage.js';
import { PlanBook } from './plan-book.js';
import { mixSeed, prng, randomInt } from './prng.js';
import { loadAllPlans, withStore } from './store-reads.js';
import type { ChaosStore, StoreKind } from './stores.js';
import { postgresStore, sqliteStore } from './stores.js';
import { makeWorkDir, releaseWorkDir } from './temp-dirs.js';
import type { Verification } from './verify.js';
import { verify } from './verify.js';

/** What a chaos run found on one store. */
export interface StoreRun {
  readonly kind: StoreKind;
  readonly label: string;
  readonly options: ChaosOptions;
  readonly lives: readonly LifeOutcome[];
  readonly kills: Readonly<Partial<Record<KillReason, number>>>;
  /** The outage, when one was injected. */
  readonly outage: OutageFindings | undefined;
  readonly verification: Verification;
  readonly ms: number;
  /** The store's directory, when kept (asked for, or something failed). */
  readonly kept: string | undefined;
}

/** Progress lines, for a human watching. */
export type Progress = (line: string) => void;

/** Runs the chaos on each store of the options in turn. */
export async function runChaos(options: ChaosOptions, progress: Progress): Promise<StoreRun[]> {
  const runs: StoreRun[] = [];
  for (const kind of options.stores) runs.push(await runStore(kind, options, progress));
  return runs;
}

async function runStore(
  kind: StoreKind,
  options: ChaosOptions,
  progress: Progress,
): Promise<StoreRun> {
  const started = Date.now();
  const dir = await makeWorkDir(kind);
  const journal = join(dir, 'journal.log');
  const engineLog = join(dir, 'engine.log');
  const stderrLog = join(dir, 'stderr.log');
  for (const file of [journal, engineLog, stderrLog]) writeFileSync(file, '');
  let kept: string | undefined;
  let store: ChaosStore | undefined;
  try {
    store = kind === 'sqlite' ? sqliteStore(dir) : await postgresStore(dir);
    const tag = `[${kind}]`;
    progress(
      `${tag} ${options.plans} plans, ${options.kills} kills, seed ${options.seed}; in ${dir}`,
    );
    const reader = new JournalReader(journal);
    const book = new PlanBook(options);
    const random = prng(mixSeed(options.seed, 'kills', kind));
    const outageMs = kind === 'postgres' ? options.postgresOutageMs : options.sqliteOutageMs;
    // The outage comes in the life of the middle kill (or the first one after, if that life had
    // nothing in flight when it was due).
    const outageKill =
      options.outage && outageMs > 0 && options.kills > 0 ? Math.ceil(options.kills / 2) : 0;
    let outage: OutageFindings | undefined;
    const lives: LifeOutcome[] = [];
    const kills: Partial<Record<KillReason, number>> = {};
    let killed = 0;
    const base = {
      store: store.spec,
      journal,
      engineLog,
      seed: options.seed,
      plans: options.plans,
      batch: options.batch,
      settleMs: options.settleMs,
    };

    for (let life = 1; killed < options.kills; life++) {
      if (life > options.kills * 3 + 10) {
        throw new Error(`${tag} too many lives: the child keeps dying on its own`);
      }
      const mean = book.remainingLines / (options.kills - killed) + 2;
      const killAfter = randomInt(random, 1, Math.max(2, Math.round(2 * mean)));
      const jitterMs = random() < 0.5 ? 0 : randomInt(random, 1, 5);
      const withOutage = outage === undefined && outageKill > 0 && killed + 1 >= outageKill;
      const chaosStore = store;
      const outcome = await runLife({
        config: { ...base, life, final: false, firstPlan: book.next, retryPlans: book.retry },
        killAfter,
        jitterMs,
        idleMs: options.idleMs,
        deadlineMs: options.finalDeadlineMs,
        stderrLog,
        ...(withOutage
          ? {
              // Once the life has work in flight: a few plans triggered and steps running.
              outageAfter: randomInt(random, 20, 60),
              outage: async (lines: readonly string[], hold: () => void) => {
                outage = await injectOutage({
                  hold,
                  store: chaosStore,
                  journal,
                  life,
                  ms: outageMs,
                  graceMs: options.outageGraceMs,
                  lines,
                });
                progress(`${tag} life ${life}: ${describeOutage(outage)}`);
              },
            }
          : {}),
      });
      lives.push(outcome);
      if (outcome.killed !== undefined) {
        appendLine(journal, 'kill', life, outcome.killed);
        killed++;
        kills[outcome.killed] = (kills[outcome.killed] ?? 0) + 1;
      } else {
        appendLine(journal, 'exit', life, String(outcome.code), String(outcome.signal));
        const how = `code ${outcome.code}, signal ${outcome.signal}`;
        progress(`${tag} life ${life} ended on its own (${how}):\n${outcome.stderr}`);
      }
      for (const line of reader.read()) book.see(line.kind, line.fields);
      await book.settle(store);
      if (options.verbose || life % 10 === 0) {
        progress(
          `${tag} life ${life}: ${outcome.killed === undefined ? 'ended' : `killed (${outcome.killed})`}` +
            ` after ${outcome.lines} lines, ${seconds(outcome.ms)} s;` +
            ` ${killed}/${options.kills} kills, ` +
            `plans triggered up to #${book.next - 1}`,
        );
      }
    }

    const finalLife = lives.length + 1;
    progress(
      `${tag} final life ${finalLife}: not killed; ` +
        'resumes what an operator would, waits for every plan to stop',
    );
    const final = await runLife({
      config: {
        ...base,
        life: finalLife,
        final: true,
        firstPlan: book.next,
        retryPlans: book.retry,
      },
      jitterMs: 0,
      idleMs: options.idleMs,
      deadlineMs: options.finalDeadlineMs,
      stderrLog,
    });
    lives.push(final);
    if (final.killed !== undefined) appendLine(journal, 'kill', finalLife, final.killed);
    else appendLine(journal, 'exit', finalLife, String(final.code), String(final.signal));
    reader.read();

    const stored = await withStore(store.spec, loadAllPlans);
    const verification = verify(
      indexJournal(reader.lines),
      stored,
      new Set(outage?.inFlight ?? []),
    );
    addLifeViolations(verification, lives, finalLife);
    if (outage !== undefined) addOutageViolations(verification, outage);
    const failed = verification.violations.length > 0;
    if (options.keep === 'always' || (failed && options.keep === 'on-failure')) kept = dir;
    return {
      kind,
      label: store.label,
      options,
      lives,
      kills,
      outage,
      verification,
      ms: Date.now() - started,
      kept,
    };
  } catch (error) {
    if (options.keep !== 'never') kept = dir;
    throw error;
  } finally {
    await store?.close();
    await releaseWorkDir(dir, kept !== undefined);
  }
}

/** A child that died on its own, or a final life that did not end well, is a violation. */
function addLifeViolations(
  verification: Verification,
  lives: readonly LifeOutcome[],
  finalLife: number,
): void {
  for (const life of lives) {
    const stderr = life.stderr.trim().split('\n').slice(-3).join(' | ');
    if (life.life === finalLife) {
      if (life.killed !== undefined || life.code !== 0) {
        verification.violations.push({
          kind: 'final-life',
          message:
            life.killed !== undefined
              ? `the final life was still running after its deadline and was killed`
              : `the final life exited with code ${life.code}: ${stderr}`,
          cause: 'the final life did not end cleanly',
        });
      }
    } else if (life.killed === undefined) {
      verification.violations.push({
        kind: 'child-crash',
        message:
          `life ${life.life} died on its own (code ${life.code}, signal ${life.signal}): ` + stderr,
        cause: 'the child process died on its own',
      });
    }
  }
}

function addOutageViolations(verification: Verification, outage: OutageFindings): void {
  for (const [id, state] of outage.unsettled) {
    verification.violations.push({
      kind: 'outage-stranded',
      planId: id,
      message:
        `plan ${id} was in flight during the outage in life ${outage.life} and was still ${state} ` +
        'at the end of the grace period: the live world did not carry on when the store came back',
      cause: `left ${state} by the live world after the outage`,
    });
  }
}

/** One line about an outage. */
export function describeOutage(outage: OutageFindings): string {
  const what = `${outage.what} for ${seconds(outage.ms)} s; ${outage.inFlight.length} plans in flight`;
  return outage.settledAfterMs !== undefined
    ? `${what}, all settled by the same world ${seconds(outage.settledAfterMs)} s after the store came back`
    : `${what}, ${outage.unsettled.size} not settled by the same world within the grace period`;
}

/** Milliseconds as seconds with one decimal. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
