/**
 * Checks of stored records, one per record kind: does a value read back from a store have the
 * shape the engine relies on? Each check is hand-written, small and fast (no schema validator: the
 * root entry must not load one, and `loadPlan` is on the hot path), and returns `undefined` for a
 * good record or the first problem found, phrased to follow the record's name: `has state "bogus",
 * not a step state`, `lacks phase`, `is an array, not an object`.
 *
 * Unknown fields are allowed (records written by a newer Flowline may carry more); only the fields
 * the engine reads are checked. How the records of one plan fit together (ids and positions, flows
 * naming existing steps) is checked by `storedPlanProblem` in `stored-plan-check.ts`.
 */
import { SCHEMA_VERSION } from '../plan/records.js';
import { PlanResult, PlanState, StepState } from '../plan/states.js';
import { describeValue } from '../shared/describe-value.js';

/** A field the engine reads: its name, whether it may be absent, and what it must be. */
interface Field {
  readonly name: string;
  readonly optional: boolean;
  /** What the field must be, for messages (`a step state`). */
  readonly expected: string;
  readonly test: (value: unknown) => boolean;
}

const required = (name: string, expected: string, test: Field['test']): Field => ({
  name,
  optional: false,
  expected,
  test,
});
const optional = (name: string, expected: string, test: Field['test']): Field => ({
  name,
  optional: true,
  expected,
  test,
});

/** Whether a value is a JSON object (not `null`, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isString = (value: unknown): boolean => typeof value === 'string';
const isText = (value: unknown): boolean => typeof value === 'string' && value !== '';
const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
const isFinite = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);
/** Ids, positions and references: positive safe integers. */
const isId = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) > 0;
const isTime = (value: unknown): boolean =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value));
const isPresent = (value: unknown): boolean => value !== undefined;
const oneOf =
  (values: Readonly<Record<string, string>>) =>
  (value: unknown): boolean =>
    typeof value === 'string' && Object.hasOwn(values, value);
const isPhase = (value: unknown): boolean =>
  value === 'plan' || value === 'run' || value === 'finalize' || value === 'compensate';
const isLogLevel = (value: unknown): boolean =>
  value === 'debug' || value === 'info' || value === 'warn' || value === 'error';

/** The first problem of `value` against `fields`, or `undefined`. */
function shapeProblem(value: unknown, fields: readonly Field[]): string | undefined {
  if (!isJsonObject(value)) return `is ${describeValue(value)}, not an object`;
  for (const field of fields) {
    const fieldValue = value[field.name];
    if (fieldValue === undefined) {
      if (field.optional) continue;
      return `lacks ${field.name}`;
    }
    if (!field.test(fieldValue)) {
      return `has ${field.name} ${describeValue(fieldValue)}, not ${field.expected}`;
    }
  }
  return undefined;
}

/** The first problem of the items of a list, named `what N` (1-based), or `undefined`. */
function listProblem(
  value: unknown,
  field: string,
  what: string,
  check: (item: unknown) => string | undefined,
): string | undefined {
  if (!Array.isArray(value)) return `has ${field} ${describeValue(value)}, not a list`;
  for (let i = 0; i < value.length; i++) {
    const problem = check(value[i]);
    if (problem !== undefined) return `has ${what} ${i + 1} that ${problem}`;
  }
  return undefined;
}

const errorFields: readonly Field[] = [
  required('className', 'a string', isString),
  required('message', 'a string', isString),
  optional('code', 'a string', isString),
  optional('stack', 'a string', isString),
];

const historyFields: readonly Field[] = [
  required('at', 'a string', isString),
  required('event', 'a string', isString),
  required('worldId', 'a string', isString),
];

const attemptFields: readonly Field[] = [
  required('startedAt', 'a string', isString),
  required('endedAt', 'a string', isString),
  optional('error', 'an error', (value) => shapeProblem(value, errorFields) === undefined),
];

const parentFields: readonly Field[] = [
  required('planId', 'a non-empty string', isText),
  required('stepId', 'a positive integer', isId),
];

/**
 * The first problem of a flow tree (`runFlow`, `finalizeFlow`, `compensateFlow`), walked without recursion so that
 * no depth overflows the stack; `onAtom` sees each step id and may report a problem of its own.
 */
export function flowProblem(
  flow: unknown,
  onAtom?: (stepId: number) => string | undefined,
): string | undefined {
  if (!isJsonObject(flow) || (flow.type !== 'sequence' && flow.type !== 'concurrence')) {
    return 'is not a sequence or concurrence';
  }
  const stack: unknown[] = [flow];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (!isJsonObject(node)) return `holds ${describeValue(node)}, not a flow`;
    if (node.type === 'atom') {
      if (!isId(node.stepId)) return `holds an atom whose stepId is ${describeValue(node.stepId)}`;
      const problem = onAtom?.(node.stepId as number);
      if (problem !== undefined) return problem;
    } else if (node.type === 'sequence' || node.type === 'concurrence') {
      if (!Array.isArray(node.flows)) {
        return `holds a ${node.type} whose flows are ${describeValue(node.flows)}, not a list`;
      }
      for (let i = node.flows.length - 1; i >= 0; i--) stack.push(node.flows[i]);
    } else {
      return `holds a flow of type ${describeValue(node.type)}`;
    }
  }
  return undefined;
}

const planFields: readonly Field[] = [
  required('id', 'a non-empty string', isText),
  required('label', 'a string', isString),
  required('state', 'a plan state', oneOf(PlanState)),
  required('result', 'a plan result', oneOf(PlanResult)),
  optional('startedAt', 'a string', isString),
  optional('endedAt', 'a string', isString),
  required('progress', 'a finite number', isFinite),
  required('rootActionId', 'a positive integer', isId),
  optional('idempotencyKey', 'a non-empty string', isText),
];

/**
 * Whether a plan record says it was written by a newer Flowline. Its fields may have changed, so
 * it is not checked against today's shape: the engine refuses it by its version.
 */
export function isNewerPlanRecord(value: unknown): boolean {
  return (
    isJsonObject(value) &&
    isId(value.schemaVersion) &&
    (value.schemaVersion as number) > SCHEMA_VERSION
  );
}

/**
 * The first problem of a stored plan record (`PlanRecord`), or `undefined`. A record of a newer
 * schema version only needs an id.
 */
export function planRecordProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return `is ${describeValue(value)}, not an object`;
  if (!isId(value.schemaVersion)) {
    return value.schemaVersion === undefined
      ? 'lacks schemaVersion'
      : `has schemaVersion ${describeValue(value.schemaVersion)}, not a positive integer`;
  }
  if (isNewerPlanRecord(value)) {
    return isText(value.id) ? undefined : shapeProblem(value, planFields.slice(0, 1));
  }
  const problem = shapeProblem(value, planFields);
  if (problem !== undefined) return problem;
  for (const name of ['runFlow', 'finalizeFlow'] as const) {
    if (value[name] === undefined) return `lacks ${name}`;
    const flow = flowProblem(value[name]);
    if (flow !== undefined) return `has a ${name} that ${flow}`;
  }
  if (value.compensateFlow !== undefined) {
    const flow = flowProblem(value.compensateFlow);
    if (flow !== undefined) return `has a compensateFlow that ${flow}`;
  }
  const history = listProblem(value.history, 'history', 'history entry', (entry) =>
    shapeProblem(entry, historyFields),
  );
  if (history !== undefined) return value.history === undefined ? 'lacks history' : history;
  if (value.parent !== undefined) {
    const parent = shapeProblem(value.parent, parentFields);
    if (parent !== undefined) return `has a parent that ${parent}`;
  }
  return undefined;
}

const actionFields: readonly Field[] = [
  required('id', 'a positive integer', isId),
  required('className', 'a non-empty string', isText),
  required('input', 'an object', isJsonObject),
  required('output', 'an object', isJsonObject),
  required('planStepId', 'a positive integer', isId),
  optional('runStepId', 'a positive integer', isId),
  optional('finalizeStepId', 'a positive integer', isId),
  optional('parentId', 'a positive integer', isId),
];

/** The first problem of a stored action record (`ActionRecord`), or `undefined`. */
export function actionRecordProblem(value: unknown): string | undefined {
  return shapeProblem(value, actionFields);
}

const stepFields: readonly Field[] = [
  required('id', 'a positive integer', isId),
  required('actionId', 'a positive integer', isId),
  required('className', 'a string', isString),
  required('phase', 'a step phase (plan, run, finalize or compensate)', isPhase),
  required('state', 'a step state', oneOf(StepState)),
  optional('startedAt', 'a string', isString),
  optional('endedAt', 'a string', isString),
  required('progress', 'a finite number', isFinite),
  required('progressWeight', 'a finite number', isFinite),
];

/** The first problem of a stored step record (`StepRecord`), or `undefined`. */
export function stepRecordProblem(value: unknown): string | undefined {
  const problem = shapeProblem(value, stepFields);
  if (problem !== undefined) return problem;
  const step = value as Record<string, unknown>;
  if (step.error !== undefined) {
    const error = shapeProblem(step.error, errorFields);
    if (error !== undefined) return `has an error that ${error}`;
  }
  if (step.requires !== undefined) {
    const requires = listProblem(step.requires, 'requires', 'required step', (id) =>
      isId(id) ? undefined : `is ${describeValue(id)}, not a step id`,
    );
    if (requires !== undefined) return requires;
  }
  if (step.attempts !== undefined) {
    const attempts = listProblem(step.attempts, 'attempts', 'attempt', (attempt) =>
      shapeProblem(attempt, attemptFields),
    );
    if (attempts !== undefined) return attempts;
  }
  if (step.waitFor !== undefined) {
    const wait = shapeProblem(step.waitFor, waitFields);
    if (wait !== undefined) return `has a waitFor that ${wait}`;
  }
  return undefined;
}

/** A named wait (`StepRecord.waitFor`): a deadline that does not parse would never fire. */
const waitFields: readonly Field[] = [
  required('name', 'a non-empty string', isText),
  optional('timeoutMs', 'a finite number', isFinite),
  optional('deadline', 'an ISO time', isTime),
];

const eventFields: readonly Field[] = [
  required('id', 'a string', isString),
  required('planId', 'a non-empty string', isText),
  required('stepId', 'a positive integer', isId),
  required('payload', 'a JSON value', isPresent),
  required('createdAt', 'a string', isString),
];

/** The first problem of a queued event (`EventEnvelope`), or `undefined`. */
export function eventEnvelopeProblem(value: unknown): string | undefined {
  return shapeProblem(value, eventFields);
}

const messageFields: readonly Field[] = [
  required('id', 'a string', isString),
  required('planId', 'a non-empty string', isText),
  required('name', 'a non-empty string', isText),
  required('payload', 'a JSON value', isPresent),
  required('createdAt', 'a string', isString),
];

/** The first problem of a kept message (`MessageEnvelope`), or `undefined`. */
export function messageEnvelopeProblem(value: unknown): string | undefined {
  return shapeProblem(value, messageFields);
}

const worldFields: readonly Field[] = [
  required('id', 'a non-empty string', isText),
  required('host', 'a string', isString),
  required('pid', 'a positive integer', isId),
  required('executor', 'a boolean', isBoolean),
  required('startedAt', 'a string', isString),
  // A time that does not parse is read as it is: the coordinator takes such a world for dead.
  required('heartbeatAt', 'a string', isString),
];

/** The first problem of a world record (`WorldRecord`), or `undefined`. */
export function worldRecordProblem(value: unknown): string | undefined {
  return shapeProblem(value, worldFields);
}

const lockFields: readonly Field[] = [
  required('key', 'a non-empty string', isText),
  required('ownerId', 'a non-empty string', isText),
  optional('planId', 'a string', isString),
  required('acquiredAt', 'a string', isString),
];

/** The first problem of a lock record (`LockRecord`), or `undefined`. */
export function lockRecordProblem(value: unknown): string | undefined {
  return shapeProblem(value, lockFields);
}

const delayedFields: readonly Field[] = [
  required('planId', 'a non-empty string', isText),
  required('startAt', 'an ISO time', isTime),
  optional('startBefore', 'an ISO time', isTime),
  required('args', 'a list', Array.isArray),
  required('frozen', 'a boolean', isBoolean),
];

/** The first problem of a delayed-plan record (`DelayedPlanRecord`), or `undefined`. */
export function delayedPlanRecordProblem(value: unknown): string | undefined {
  return shapeProblem(value, delayedFields);
}

const logLineFields: readonly Field[] = [
  required('planId', 'a non-empty string', isText),
  required('stepId', 'a positive integer', isId),
  required('at', 'a string', isString),
  required('level', 'a log level (debug, info, warn or error)', isLogLevel),
  required('message', 'a string', isString),
];

/** The first problem of a step log line (`StepLogLine`), or `undefined`. */
export function stepLogLineProblem(value: unknown): string | undefined {
  return shapeProblem(value, logLineFields);
}

/** The first problem of a plan id kept in a dependency (`PlanDependency`), or `undefined`. */
export function dependencyIdProblem(value: unknown): string | undefined {
  return isText(value) ? undefined : `is ${describeValue(value)}, not a plan id`;
}
