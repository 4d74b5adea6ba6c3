/**
 * The checks of a chaos run, made after its last life: the stored plans against the journal.
 *
 * - Nothing stranded: every plan the store holds is `stopped` (none left `planned`, `pending`,
 *   `running` or `paused`), and stopped with success (nothing in these plans fails on its own).
 * - Nothing lost: every plan whose `planned` promise resolved is in the store.
 * - No committed step ran again: a step's stored output holds the tokens of its committed
 *   executions; no execution of that step may start after the `end` of the first of them (a second
 *   stored token is one such).
 * - Every finalize ran exactly once after its commit: the same rule for finalize steps, and a
 *   finalize step starts only after every run step of its plan has committed.
 * - A step that is not idempotent and was cut short (or ended without its commit) runs again only
 *   after an operator resumed its plan: recovery fails it with ABNORMAL_TERMINATION.
 *
 * Executions that were not committed are counted apart: cut short (a `start` without `end`), or
 * ended but not committed, the at-least-once window (killed between the end of `run()` and its
 * commit, or the commit failed) — those run again by design.
 */
import type { StoredPlan } from '../../src/persistence/index.js';
import { diagnoseStranded, errorCodes, planName, rerunCause, stepSummary } from './diagnose.js';
import type { JournalIndex } from './journal-index.js';
import { stepKey } from './journal-index.js';
import { chaosActions } from './actions.js';

/** The chaos action names whose steps may run again after a crash without an operator. */
const idempotent = new Set(
  chaosActions.filter((cls) => cls.idempotent === true).map((cls) => cls.actionName ?? cls.name),
);

/** Kinds of violation, each a broken guarantee. */
export type ViolationKind =
  | 'stranded'
  | 'failed'
  | 'lost'
  | 'rerun-committed'
  | 'duplicate-finalize'
  | 'early-finalize'
  | 'unattended-rerun'
  | 'bad-output'
  | 'child-crash'
  | 'outage-stranded'
  | 'final-life';

/** One broken guarantee. */
export interface Violation {
  readonly kind: ViolationKind;
  readonly planId?: string;
  readonly n?: number;
  /** What happened and, as far as the journal and the store tell, why. */
  readonly message: string;
  /** The reason without ids, to group alike violations in the report. */
  readonly cause: string;
}

/** Executions of one phase's steps, by fate. */
export interface ExecutionCounts {
  /** `start` lines. */
  executions: number;
  /** Executions whose token is stored: committed. */
  committed: number;
  /** Cut short before the end of their work (no `end` line), not committed. */
  cutShort: number;
  /** Ended but not committed: the documented at-least-once window. */
  endedNotCommitted: number;
  /** Started after the step's success was committed: violations. */
  afterCommit: number;
}

/** What the checks found on one store. */
export interface Verification {
  readonly plans: {
    /** Plan numbers triggered (`trigger` lines, distinct numbers). */
    readonly numbers: number;
    /** Numbers with at least one plan in the store. */
    readonly numbersStored: number;
    /** Triggers (`trigger` lines, retries included). */
    readonly triggers: number;
    /** Triggers whose `planned` resolved. */
    readonly confirmed: number;
    /** Triggers the caller never saw accepted (killed, or the store was away), by fate. */
    readonly unconfirmedStored: number;
    readonly unconfirmedMissing: number;
    /** Plans in the store. */
    readonly stored: number;
  };
  /** Stored plans by `state/result`. */
  readonly states: Readonly<Record<string, number>>;
  readonly run: ExecutionCounts;
  readonly finalize: ExecutionCounts;
  /** The operator's resumes in the final life: plans, resumes, and how they ended. */
  readonly resumes: {
    readonly plans: number;
    readonly resumes: number;
    readonly outcomes: Readonly<Record<string, number>>;
  };
  readonly violations: Violation[];
}

function counts(): ExecutionCounts {
  return { executions: 0, committed: 0, cutShort: 0, endedNotCommitted: 0, afterCommit: 0 };
}

function tokensOf(output: Record<string, unknown>, key: 'runs' | 'fins'): string[] | undefined {
  const value = output[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const tokens: string[] = [];
  for (const token of value) {
    if (typeof token !== 'string') return undefined;
    tokens.push(token);
  }
  return tokens;
}

function tally(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/** The stored plans checked against the journal. */
export function verify(
  journal: JournalIndex,
  storedPlans: readonly StoredPlan[],
  outageInFlight: ReadonlySet<string> = new Set(),
): Verification {
  const violations: Violation[] = [];
  const states: Record<string, number> = {};
  const run = counts();
  const finalize = counts();
  const storedIds = new Set(storedPlans.map((s) => s.plan.id));

  for (const stored of storedPlans) {
    const { plan, actions, steps } = stored;
    const facts = journal.plans.get(plan.id);
    const n = facts?.n;
    const name = planName(plan.id, n);
    const fail = (kind: ViolationKind, message: string, cause: string): void => {
      violations.push({ kind, planId: plan.id, n, message, cause });
    };
    tally(states, plan.state === 'stopped' ? `stopped/${plan.result}` : plan.state);
    if (plan.state !== 'stopped') {
      const why = diagnoseStranded(journal, stored, facts, outageInFlight.has(plan.id));
      fail('stranded', `${name} left ${plan.state}: ${why.message}`, why.cause);
    } else if (plan.result !== 'success') {
      fail(
        'failed',
        `${name} stopped with result ${plan.result} (steps: ${stepSummary(stored)})`,
        `stopped with result ${plan.result}: ${errorCodes(stored)}`,
      );
    }

    // The end of the last run step's first committed execution: no finalize may start before.
    let runCommitted = -1;
    for (const step of steps) {
      if (step.phase === 'plan' || step.phase === 'compensate') continue;
      const phase = step.phase;
      const key = phase === 'run' ? 'runs' : 'fins';
      const count = phase === 'run' ? run : finalize;
      const action = actions[step.actionId - 1];
      const tokens = action === undefined ? undefined : tokensOf(action.output, key);
      const executions = journal.executions.get(stepKey(plan.id, step.actionId, phase)) ?? [];
      count.executions += executions.length;
      const where = `${phase} step ${step.id} (${step.className}) of ${name}`;
      if (tokens === undefined) {
        fail('bad-output', `${where}: its output.${key} is not a list of tokens`, 'bad output');
        continue;
      }
      if (step.state === 'success' && tokens.length === 0) {
        fail(
          'bad-output',
          `${where} is a success but its output holds no token: its work was not stored`,
          'success without its output',
        );
      }
      const committed = new Set(tokens);
      count.committed += executions.filter((e) => committed.has(e.token)).length;
      const first = tokens[0];
      const firstExecution = executions.find((e) => e.token === first);
      if (first !== undefined && firstExecution?.end === undefined) {
        const missing = firstExecution === undefined ? 'start' : 'end';
        fail(
          'bad-output',
          `${where}: its stored token ${first} has no ${missing} line in the journal`,
          'stored token not in the journal',
        );
        continue;
      }
      const commitEnd = firstExecution?.end ?? Number.POSITIVE_INFINITY;
      if (phase === 'run' && firstExecution?.end !== undefined) {
        runCommitted = Math.max(runCommitted, firstExecution.end);
      }
      // A step of an action that is not idempotent runs again after a crash only when an operator
      // resumes its plan: the recovering world fails it with ABNORMAL_TERMINATION first.
      if (!idempotent.has(step.className)) {
        executions.forEach((execution, index) => {
          const earlier = executions[index - 1];
          if (earlier === undefined || committed.has(earlier.token)) return;
          const resumed = facts?.resumes.some((i) => i > earlier.start && i < execution.start);
          if (resumed === true) return;
          fail(
            'unattended-rerun',
            `${where} is not idempotent, was cut short (token ${earlier.token}, life ` +
              `${earlier.life}) and ran again (token ${execution.token}, life ${execution.life}) ` +
              'without an operator resuming its plan',
            'a step that is not idempotent ran again after a crash without a resume',
          );
        });
      }
      for (const execution of executions) {
        if (execution.start > commitEnd) {
          count.afterCommit++;
          const cause = rerunCause(journal, facts, commitEnd, execution);
          fail(
            phase === 'run' ? 'rerun-committed' : 'duplicate-finalize',
            `${where} started again (token ${execution.token}, life ${execution.life}) after ` +
              `its execution ${String(first)} was committed: ${cause}`,
            cause,
          );
        } else if (!committed.has(execution.token)) {
          if (execution.end === undefined) count.cutShort++;
          else count.endedNotCommitted++;
        }
      }
    }
    for (const step of steps) {
      if (step.phase !== 'finalize') continue;
      const executions = journal.executions.get(stepKey(plan.id, step.actionId, 'finalize')) ?? [];
      for (const execution of executions.filter((e) => e.start < runCommitted)) {
        fail(
          'early-finalize',
          `finalize step ${step.id} of ${name} started (token ${execution.token}) before its ` +
            'run phase was committed',
          'finalize before the run phase was committed',
        );
      }
    }
  }

  let confirmed = 0;
  let unconfirmedStored = 0;
  let unconfirmedMissing = 0;
  const numbers = new Set<number>();
  const numbersStored = new Set<number>();
  let resumedPlans = 0;
  let resumes = 0;
  const outcomes: Record<string, number> = {};
  for (const facts of journal.plans.values()) {
    numbers.add(facts.n);
    if (storedIds.has(facts.id)) numbersStored.add(facts.n);
    if (facts.planned !== undefined) {
      confirmed++;
      if (!storedIds.has(facts.id)) {
        violations.push({
          kind: 'lost',
          planId: facts.id,
          n: facts.n,
          message:
            `${planName(facts.id, facts.n)} was accepted (its planned promise resolved in life ` +
            `${facts.life}) but is not in the store`,
          cause: 'accepted, then missing from the store',
        });
      }
    } else if (storedIds.has(facts.id)) unconfirmedStored++;
    else unconfirmedMissing++;
    if (facts.resumes.length > 0) resumedPlans++;
    resumes += facts.resumes.length;
    for (const outcome of facts.resumed) tally(outcomes, outcome);
  }

  return {
    plans: {
      numbers: numbers.size,
      numbersStored: numbersStored.size,
      triggers: journal.plans.size,
      confirmed,
      unconfirmedStored,
      unconfirmedMissing,
      stored: storedPlans.length,
    },
    states,
    run,
    finalize,
    resumes: { plans: resumedPlans, resumes, outcomes },
    violations,
  };
}
