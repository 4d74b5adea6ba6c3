/**
 * Checks that JSON read back from the database has the shape of Flowline records before the engine
 * sees it. A row edited by hand, or damaged, becomes a FlowlineError `INVALID_PLAN` naming the plan
 * and the first field that is wrong, instead of a crash deep inside the executor.
 */
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { StoredPlan } from '../adapter.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../plan/records.js';
import { SCHEMA_VERSION } from '../../plan/records.js';
import { PlanResult, PlanState, StepState } from '../../plan/states.js';

type Check = (value: unknown) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isString: Check = (value) => typeof value === 'string';
const isNumber: Check = (value) => typeof value === 'number' && Number.isFinite(value);
const isInteger: Check = (value) => Number.isInteger(value);
const isArray: Check = (value) => Array.isArray(value);
const oneOf =
  (values: Record<string, string>): Check =>
  (value) =>
    typeof value === 'string' && Object.hasOwn(values, value);
const isPhase: Check = (value) => value === 'plan' || value === 'run' || value === 'finalize';

/** Required fields (name → check); fields marked `?` may be absent. */
type Shape = Readonly<Record<string, Check>>;

const planShape: Shape = {
  schemaVersion: isInteger,
  id: isString,
  label: isString,
  state: oneOf(PlanState),
  result: oneOf(PlanResult),
  'startedAt?': isString,
  'endedAt?': isString,
  progress: isNumber,
  rootActionId: isInteger,
  runFlow: isObject,
  finalizeFlow: isObject,
  history: isArray,
};

const actionShape: Shape = {
  id: isInteger,
  className: isString,
  input: isObject,
  output: isObject,
  planStepId: isInteger,
  'runStepId?': isInteger,
  'finalizeStepId?': isInteger,
  'parentId?': isInteger,
};

const stepShape: Shape = {
  id: isInteger,
  actionId: isInteger,
  className: isString,
  phase: isPhase,
  state: oneOf(StepState),
  'error?': isObject,
  'startedAt?': isString,
  'endedAt?': isString,
  progress: isNumber,
  progressWeight: isNumber,
  'requires?': isArray,
};

/** The first problem with `value` against `shape`, or `undefined`. */
function problemWith(value: unknown, shape: Shape): string | undefined {
  if (!isObject(value)) return `is ${value === null ? 'null' : typeof value}, not an object`;
  for (const [key, check] of Object.entries(shape)) {
    const optional = key.endsWith('?');
    const field = optional ? key.slice(0, -1) : key;
    const fieldValue = value[field];
    if (fieldValue === undefined) {
      if (optional) continue;
      return `lacks ${field}`;
    }
    if (!check(fieldValue)) return `has an invalid ${field} (${JSON.stringify(fieldValue)})`;
  }
  return undefined;
}

/**
 * Whether a plan record says it was written by a newer Flowline. Its fields may have changed, so it
 * is not checked against today's shapes: the engine, which knows the versions, decides what to do.
 */
function isNewer(value: unknown): value is Record<string, unknown> {
  return (
    isObject(value) &&
    isInteger(value.schemaVersion) &&
    Number(value.schemaVersion) > SCHEMA_VERSION
  );
}

function invalid(planId: string, what: string, problem: string): FlowlineError {
  return new FlowlineError(
    ErrorCode.INVALID_PLAN,
    `postgres adapter: plan ${planId} cannot be loaded: its stored ${what} ${problem}`,
    { planId },
  );
}

/**
 * A stored plan record, checked.
 *
 * @param planId - the plan the row belongs to (its primary key)
 * @param value - the parsed `data` column
 * @throws FlowlineError `INVALID_PLAN` when it is not a plan record of that plan
 */
function decodePlanRecord(planId: string, value: unknown): PlanRecord {
  const problem = problemWith(value, planShape);
  if (problem !== undefined) throw invalid(planId, 'plan record', problem);
  const plan = value as PlanRecord;
  if (plan.id !== planId) throw invalid(planId, 'plan record', `has the id ${plan.id}`);
  return plan;
}

/**
 * A plan record as listed by `findPlans`: only checked to be an object, so that one damaged plan
 * does not break a whole listing — the engine lists it as unreadable when `loadPlan` refuses it.
 *
 * @throws FlowlineError `INVALID_PLAN` when the stored value is not even an object
 */
export function decodeListedPlan(planId: string, value: unknown): PlanRecord {
  if (!isObject(value)) {
    throw invalid(planId, 'plan record', value === null ? 'is null' : `is ${typeof value}`);
  }
  return value as unknown as PlanRecord;
}

function decodeList<T>(planId: string, value: unknown, what: string, shape: Shape): T[] {
  if (!Array.isArray(value)) throw invalid(planId, `${what}s`, 'are not a list');
  value.forEach((item: unknown, index) => {
    const problem = problemWith(item, shape);
    if (problem === undefined) return;
    const id = isObject(item) && isInteger(item.id) ? String(item.id) : `#${index + 1}`;
    throw invalid(planId, `${what} ${id}`, problem);
  });
  return value as T[];
}

/**
 * A plan with its actions and steps as read by `loadPlan`, checked.
 *
 * @param planId - the plan loaded
 * @param row - the parsed plan, actions and steps columns
 * @throws FlowlineError `INVALID_PLAN` when any part is not a record of the expected shape
 */
export function decodeStoredPlan(
  planId: string,
  row: { plan: unknown; actions: unknown; steps: unknown },
): StoredPlan {
  if (isNewer(row.plan)) {
    // Written by a newer Flowline: returned as it is, for the engine to refuse by its version.
    const id: unknown = row.plan.id;
    if (id !== planId) throw invalid(planId, 'plan record', `has the id ${JSON.stringify(id)}`);
    return {
      plan: row.plan as unknown as PlanRecord,
      actions: decodeList<ActionRecord>(planId, row.actions, 'action', {}),
      steps: decodeList<StepRecord>(planId, row.steps, 'step', {}),
    };
  }
  return {
    plan: decodePlanRecord(planId, row.plan),
    actions: decodeList<ActionRecord>(planId, row.actions, 'action', actionShape),
    steps: decodeList<StepRecord>(planId, row.steps, 'step', stepShape),
  };
}
