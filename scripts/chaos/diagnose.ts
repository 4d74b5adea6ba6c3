/**
 * Why a check failed, as far as the journal and the store tell: what a stranded plan's steps are
 * doing, what its caller saw, how the life that ran it ended; and what made a committed step run
 * again.
 */
import type { StoredPlan } from '../../src/persistence/index.js';
import type { Execution, JournalIndex, PlanFacts } from './journal-index.js';

/** What happened, and the reason without ids (to group alike violations). */
export interface Diagnosis {
  readonly message: string;
  readonly cause: string;
}

/** `plan <id> (#<n>)`. */
export function planName(id: string, n: number | undefined): string {
  return `plan ${id} (#${n === undefined ? '?' : String(n)})`;
}

/** How many steps of each phase are in each state, e.g. `3 run success, 1 finalize pending`. */
export function stepSummary({ steps }: StoredPlan): string {
  const parts = new Map<string, number>();
  for (const step of steps) {
    if (step.phase === 'plan') continue;
    const key = `${step.phase} ${step.state}`;
    parts.set(key, (parts.get(key) ?? 0) + 1);
  }
  return [...parts].map(([what, count]) => `${count} ${what}`).join(', ');
}

/** The error codes of the failed steps. */
export function errorCodes({ steps }: StoredPlan): string {
  const codes = steps
    .filter((step) => step.state === 'error')
    .map((step) => step.error?.code ?? step.error?.className ?? 'error');
  return codes.length === 0 ? 'no failed step' : [...new Set(codes)].join(', ');
}

/** Why a step ran again after its commit (the `end` of its first stored token at `commitEnd`). */
export function rerunCause(
  journal: JournalIndex,
  facts: PlanFacts | undefined,
  commitEnd: number,
  execution: Execution,
): string {
  const resume = facts?.resumes.find((index) => index > commitEnd && index < execution.start);
  if (resume !== undefined) {
    return (
      "by the operator's resume (resume re-runs the whole finalize sequence after a finalize " +
      'step failed)'
    );
  }
  const committedLife = journal.lifeOf[commitEnd] ?? 0;
  return execution.life === committedLife
    ? 'in the same life as its commit'
    : `in a later life than its commit: by recovery`;
}

/** Why a plan was left unstopped. */
export function diagnoseStranded(
  journal: JournalIndex,
  stored: StoredPlan,
  facts: PlanFacts | undefined,
  inOutage: boolean,
): Diagnosis {
  const { plan, steps } = stored;
  const summary = `steps: ${stepSummary(stored)}`;
  if (facts === undefined) {
    return {
      message: `not in the journal (${summary})`,
      cause: `left ${plan.state}, unknown to the journal`,
    };
  }
  const end = journal.lifeEnds.get(facts.life);
  const life = `triggered in life ${facts.life}${end === undefined ? '' : ` (${end.how})`}`;
  const failed =
    facts.finishedFailed === undefined
      ? ''
      : `; its finished promise rejected: ${facts.finishedFailed}`;
  const outage = inOutage ? '; it was in flight when the store went away' : '';
  const last = plan.history.at(-1);
  const history = last === undefined ? '' : `; last history entry: "${last.event}"`;

  if (plan.state === 'planned' && steps.every((s) => s.phase === 'plan' || s.state === 'pending')) {
    const planned =
      facts.planned === undefined
        ? 'its planned promise never resolved'
        : 'its planned promise had resolved';
    return {
      message:
        `${life}; ${planned}; no step ever ran, and no later life executed it${failed}${outage} ` +
        `(${summary})`,
      cause:
        facts.finishedFailed === undefined
          ? 'left planned by a crash: no later world executes planned plans'
          : 'left planned when executing it failed on the storage outage; ' +
            'no later world executes planned plans',
    };
  }
  if (plan.state === 'paused') {
    const resumed =
      facts.resumes.length === 0
        ? ''
        : `; the operator resumed it ${facts.resumes.length}× ` +
          `(${facts.resumed.join(', ') || 'no answer'})`;
    return {
      message: `paused with ${errorCodes(stored)}${resumed} (${summary}${history})`,
      cause:
        `paused with ${errorCodes(stored)}` +
        (facts.resumes.length > 0 ? ' after a resume' : ', which a resume does not fix'),
    };
  }
  const running = steps.filter((s) => s.state === 'running').map((s) => `${s.phase} step ${s.id}`);
  const still = running.length > 0 ? `; ${running.join(' and ')} still running in the store` : '';
  return {
    message: `${life}${failed}${outage}${still} (${summary}${history})`,
    cause:
      failed !== '' || outage !== ''
        ? `left ${plan.state} by the storage outage`
        : `left ${plan.state}${running.length > 0 ? ' with a step running' : ''}, not recovered`,
  };
}
