/** The printed report of a chaos run: per store, its figures, its checks and its violations. */
import type { StoreRun } from './chaos.js';
import { describeOutage, seconds } from './chaos.js';
import type { ExecutionCounts, Violation, ViolationKind } from './verify.js';

/** The checks in the order they are printed, each with the kinds of violation it counts. */
const CHECKS: readonly { readonly label: string; readonly kinds: readonly ViolationKind[] }[] = [
  { label: 'stranded plans (not stopped at the end)', kinds: ['stranded'] },
  { label: 'plans stranded by the outage in the live world', kinds: ['outage-stranded'] },
  { label: 'plans stopped without success', kinds: ['failed'] },
  { label: 'accepted plans missing from the store', kinds: ['lost'] },
  { label: 're-runs of committed run steps', kinds: ['rerun-committed'] },
  { label: 'duplicate finalizes (re-runs after their commit)', kinds: ['duplicate-finalize'] },
  { label: 'finalizes started before their run phase committed', kinds: ['early-finalize'] },
  { label: 'non-idempotent steps re-run with no resume', kinds: ['unattended-rerun'] },
  { label: 'outputs that do not match the journal', kinds: ['bad-output'] },
  { label: 'child processes that died on their own', kinds: ['child-crash'] },
  { label: 'final life did not end cleanly', kinds: ['final-life'] },
];

/** Examples printed per cause (all of them when verbose). */
const EXAMPLES = 3;

function executions(counts: ExecutionCounts): string {
  return (
    `${counts.executions} executions: ${counts.committed} committed, ` +
    `${counts.cutShort} cut short, ` +
    `${counts.endedNotCommitted} ended but not committed (the at-least-once window), ` +
    `${counts.afterCommit} after their commit`
  );
}

function entries(map: Readonly<Record<string, number>>): string {
  const list = Object.entries(map).sort(([, a], [, b]) => b - a);
  return list.length === 0 ? 'none' : list.map(([key, count]) => `${key} ${count}`).join(', ');
}

/** The report of one store, as lines. */
export function reportStore(run: StoreRun, verbose: boolean): string[] {
  const { options, verification: v } = run;
  const violations = v.violations;
  const lines: string[] = [];
  const verdict = violations.length === 0 ? 'PASS' : `FAIL (${violations.length} violations)`;
  lines.push(
    `== ${run.label}: seed ${options.seed}, ${options.plans} plans, ${options.kills} kills: ` +
      `${verdict}, ${seconds(run.ms)} s`,
  );
  const killed = run.lives.filter((life) => life.killed !== undefined).length;
  const final = run.lives.at(-1);
  const finalEnd =
    final?.killed === undefined
      ? `exited with code ${String(final?.code)}`
      : 'killed at its deadline';
  lines.push(
    `lives: ${run.lives.length} (${killed} killed with SIGKILL: ${entries(run.kills)}; ` +
      `final life ${finalEnd})`,
  );
  const outage = run.outage;
  lines.push(
    `outage: ${outage === undefined ? 'none injected' : `life ${outage.life}: ${describeOutage(outage)}`}`,
  );
  const p = v.plans;
  lines.push(
    `plans: ${p.numbersStored}/${p.numbers} plan numbers stored (${p.stored} plans); ` +
      `${p.triggers} triggers, ${p.confirmed} accepted, ${p.unconfirmedStored} unconfirmed but ` +
      `stored, ${p.unconfirmedMissing} unconfirmed and not stored (triggered again)`,
  );
  lines.push(`stored plans by state: ${entries(v.states)}`);
  lines.push(`run steps: ${executions(v.run)}`);
  lines.push(`finalize steps: ${executions(v.finalize)}`);
  lines.push(
    `operator resumes in the final life: ${v.resumes.plans} plans, ${v.resumes.resumes} resumes ` +
      `(${entries(v.resumes.outcomes)})`,
  );
  lines.push('checks:');
  for (const check of CHECKS) {
    const count = violations.filter((violation) => check.kinds.includes(violation.kind)).length;
    const mark = count > 0 ? '  ✗' : '';
    lines.push(`  ${check.label.padEnd(52)} ${String(count).padStart(5)}${mark}`);
  }
  if (violations.length > 0) {
    lines.push('violations by cause:');
    const byCause = new Map<string, Violation[]>();
    for (const violation of violations) {
      const key = `${violation.kind}: ${violation.cause}`;
      byCause.set(key, [...(byCause.get(key) ?? []), violation]);
    }
    for (const [cause, list] of [...byCause].sort(([, a], [, b]) => b.length - a.length)) {
      lines.push(`  ${list.length}× ${cause}`);
      for (const violation of verbose ? list : list.slice(0, EXAMPLES)) {
        lines.push(`     - ${violation.message}`);
      }
      if (!verbose && list.length > EXAMPLES)
        lines.push(`     … and ${list.length - EXAMPLES} more (--verbose lists them)`);
    }
  }
  if (run.kept !== undefined) {
    lines.push(`kept for inspection: ${run.kept} (journal.log, engine.log, stderr.log, the store)`);
  }
  return lines;
}
