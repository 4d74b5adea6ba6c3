/**
 * How the records of one stored plan fit together, which the engine relies on as much as on each
 * record's shape: actions and steps are found by position (`steps[id - 1]`), flows and references
 * name steps by id, and the director sizes its tables by the largest step id it is given. A plan
 * whose records disagree is refused as a whole when it is loaded, instead of failing later with a
 * `TypeError` deep in the executor, or never settling.
 */
import { Director } from '../plan/director.js';
import type { ComposedFlow } from '../plan/flow.js';
import type { Phase, StepState } from '../plan/states.js';
import {
  compensateStepTransitions,
  finalizeStepTransitions,
  planStepTransitions,
  runStepTransitions,
} from '../plan/states.js';
import { describeValue } from '../shared/describe-value.js';
import {
  actionRecordProblem,
  flowProblem,
  isNewerPlanRecord,
  isJsonObject,
  planRecordProblem,
  stepRecordProblem,
} from './record-checks.js';

/** The parts of a stored plan as read, before they are known to be records. */
export interface StoredPlanParts {
  readonly plan: unknown;
  readonly actions: unknown;
  readonly steps: unknown;
}

/** The states a step of each phase can be in: those its transition table leaves or reaches. */
const PHASE_STATES: Readonly<Record<Phase, ReadonlySet<string>>> = {
  plan: reachable(planStepTransitions),
  run: reachable(runStepTransitions),
  finalize: reachable(finalizeStepTransitions),
  compensate: reachable(compensateStepTransitions),
};

function reachable(table: Readonly<Record<StepState, readonly StepState[]>>): Set<string> {
  const states = new Set<string>();
  for (const [from, to] of Object.entries(table)) {
    if (to.length > 0) states.add(from);
    for (const state of to) states.add(state);
  }
  return states;
}

type Rec = Record<string, unknown>;

/**
 * The first problem of a stored plan, or `undefined`: each record's shape (plan, actions, steps),
 * then how they fit together. The problem names the record: `the plan record lacks history`,
 * `step 3 has state "bogus", not a step state`, `action 2 names run step 9, which does not exist`.
 * A plan record of a newer schema version is only checked for its id and for lists of objects.
 *
 * @param planId - the plan that was asked for
 * @param parts - the plan record and the lists of action and step records, as read
 */
export function storedPlanProblem(planId: string, parts: StoredPlanParts): string | undefined {
  const planProblem = planRecordProblem(parts.plan);
  if (planProblem !== undefined) return `the plan record ${planProblem}`;
  const plan = parts.plan as Rec;
  if (plan.id !== planId) return `the plan record has id ${describeValue(plan.id)}`;
  const { actions, steps } = parts;
  if (!Array.isArray(actions)) return `the actions are ${describeValue(actions)}, not a list`;
  if (!Array.isArray(steps)) return `the steps are ${describeValue(steps)}, not a list`;
  if (isNewerPlanRecord(plan)) {
    const records: unknown[] = [...(actions as unknown[]), ...(steps as unknown[])];
    return records.every(isJsonObject) ? undefined : 'holds a record that is not an object';
  }
  return (
    recordsProblem(actions as unknown[], 'action', actionRecordProblem) ??
    recordsProblem(steps as unknown[], 'step', stepRecordProblem) ??
    linksProblem(plan, actions as Rec[], steps as Rec[])
  );
}

/** Each record's shape, and its id equal to its position (1-based). */
function recordsProblem(
  records: readonly unknown[],
  what: string,
  check: (value: unknown) => string | undefined,
): string | undefined {
  for (let i = 0; i < records.length; i++) {
    const problem = check(records[i]);
    if (problem !== undefined) return `${what} ${i + 1} ${problem}`;
    const id = (records[i] as Rec).id;
    if (id !== i + 1) {
      return `the ${what} records are out of order: record ${i + 1} has id ${describeValue(id)}`;
    }
  }
  return undefined;
}

/** References between records: every id names a record that exists, of the right kind. */
function linksProblem(
  plan: Rec,
  actions: readonly Rec[],
  steps: readonly Rec[],
): string | undefined {
  const rootActionId = plan.rootActionId as number;
  if (actions.length > 0 && rootActionId > actions.length) {
    return `the plan record names root action ${rootActionId}, which does not exist`;
  }
  for (const action of actions) {
    const id = action.id as number;
    for (const [field, phase] of [
      ['planStepId', 'plan'],
      ['runStepId', 'run'],
      ['finalizeStepId', 'finalize'],
    ] as const) {
      const stepId = action[field] as number | undefined;
      if (stepId === undefined) continue;
      const step = steps[stepId - 1];
      if (step === undefined)
        return `action ${id} names ${phase} step ${stepId}, which does not exist`;
      if (step.phase !== phase || step.actionId !== id) {
        return `action ${id} names step ${stepId} as its ${phase} step, but that is the ${String(step.phase)} step of action ${String(step.actionId)}`;
      }
    }
    const parentId = action.parentId as number | undefined;
    if (parentId !== undefined && (parentId > actions.length || parentId === id)) {
      return `action ${id} names parent action ${parentId}, which does not exist`;
    }
  }
  for (const step of steps) {
    const id = step.id as number;
    const phase = step.phase as Phase;
    if ((step.actionId as number) > actions.length) {
      return `step ${id} names action ${String(step.actionId)}, which does not exist`;
    }
    if (!PHASE_STATES[phase].has(step.state as string)) {
      return `step ${id} has state ${describeValue(step.state)}, not a state of a ${phase} step`;
    }
    for (const required of (step.requires as number[] | undefined) ?? []) {
      if (required === id || steps[required - 1]?.phase !== 'run') {
        return `step ${id} requires step ${required}, which is not another run step of the plan`;
      }
    }
  }
  return (
    flowStepsProblem(plan.runFlow, 'run flow', 'run', steps) ??
    flowStepsProblem(plan.finalizeFlow, 'finalize flow', 'finalize', steps) ??
    (plan.compensateFlow === undefined
      ? undefined
      : flowStepsProblem(plan.compensateFlow, 'compensate flow', 'compensate', steps)) ??
    runnableProblem(plan, steps)
  );
}

/** Every atom of a flow names a step of the flow's phase, and no step twice. */
function flowStepsProblem(
  flow: unknown,
  name: string,
  phase: Phase,
  steps: readonly Rec[],
): string | undefined {
  const seen = new Set<number>();
  return flowProblem(flow, (stepId) => {
    const step = steps[stepId - 1];
    if (step === undefined) return `the ${name} names step ${stepId}, which does not exist`;
    if (step.phase !== phase) {
      return `the ${name} names step ${stepId}, which is a ${String(step.phase)} step`;
    }
    if (seen.has(stepId)) return `the ${name} names step ${stepId} twice`;
    seen.add(stepId);
    return undefined;
  });
}

/**
 * A plan that may still run must be able to finish: the steps its run steps wait for (`requires`)
 * cannot contradict the order of the run flow, or the plan would wait forever. Checked by a dry
 * run of the director, only for plans not stopped that have such references (few do).
 */
function runnableProblem(plan: Rec, steps: readonly Rec[]): string | undefined {
  if (plan.state === 'stopped') return undefined;
  if (!steps.some((step) => (step.requires as unknown[] | undefined)?.length)) return undefined;
  const director = new Director(
    plan.runFlow as ComposedFlow,
    () => false,
    (id) => steps[id - 1]?.requires as number[] | undefined,
  );
  const ready = director.start();
  for (let stepId = ready.pop(); stepId !== undefined; stepId = ready.pop()) {
    ready.push(...director.markDone(stepId));
  }
  return director.finished
    ? undefined
    : 'the steps its run steps require contradict the order of the run flow (it could never finish)';
}
