/**
 * What every adapter does with a record it reads back, so that no stored record can crash or stop
 * the engine (DESIGN §4). The checks of `record-checks.ts` and `stored-plan-check.ts` decide; this
 * module turns their verdict into the contract:
 *
 * - one plan (`loadPlan`) or one delayed plan (`loadDelayedPlan`) that cannot be read rejects with
 *   FlowlineError `INVALID_PLAN` naming the store, the plan, the record and the field;
 * - a list or a queue (`findPlans`, `findWorlds`, `findLocks`, `findDueDelayedPlans`, `takeEvent`,
 *   `dropEvents`, `takeMessage`, `loadLogs`) never rejects because one row is unreadable: that row comes back as a
 *   record marked `invalid`, holding what could be read (its key always, the values the SQL stores
 *   keep in columns of their own) and documented placeholders for the rest.
 *
 * A record marked `invalid` is never written back: `write` refuses it (see {@link refuseUnreadable}).
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import { composed } from '../plan/flow.js';
import type { PlanRecord, StepLogLine } from '../plan/records.js';
import { SCHEMA_VERSION } from '../plan/records.js';
import { PlanResult, PlanState } from '../plan/states.js';
import type {
  DelayedPlanRecord,
  EventEnvelope,
  LockRecord,
  MessageEnvelope,
  StoredPlan,
  UnreadableRecord,
  WorldRecord,
  WriteBatch,
} from './adapter.js';
import {
  delayedPlanRecordProblem,
  dependencyIdProblem,
  eventEnvelopeProblem,
  isJsonObject,
  lockRecordProblem,
  messageEnvelopeProblem,
  planRecordProblem,
  stepLogLineProblem,
  worldRecordProblem,
} from './record-checks.js';
import type { StoredPlanParts } from './stored-plan-check.js';
import { storedPlanProblem } from './stored-plan-check.js';

/** A stored text that is not JSON: what {@link parseStoredJson} returns instead of a value. */
export class UnparsableRecord {
  /**
   * @param reason - why it could not be parsed, e.g. `not valid JSON (Unexpected end of JSON input)`
   * @param id - the id of the row it was read from, when the store keeps it apart (an action's or a
   *   step's id), to name the record in messages
   */
  constructor(
    readonly reason: string,
    readonly id?: number,
  ) {}
}

/**
 * Parses a record stored as JSON text. Never throws: text that is not JSON (or a value that is not
 * text at all) becomes an {@link UnparsableRecord}, which every `check*` and `read*` function of
 * this module reports as `is corrupt: …`.
 *
 * @param text - the stored column
 * @param id - the row's id column, for an action or a step (see {@link UnparsableRecord})
 */
export function parseStoredJson(text: unknown, id?: number): unknown {
  if (typeof text !== 'string') return new UnparsableRecord('not JSON text', id);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new UnparsableRecord(`not valid JSON (${(error as Error).message})`, id);
  }
}

function problemOf(value: unknown, check: (value: unknown) => string | undefined) {
  return value instanceof UnparsableRecord ? `is corrupt: ${value.reason}` : check(value);
}

function invalidPlan(source: string, planId: string, problem: string): FlowlineError {
  return new FlowlineError(
    ErrorCode.INVALID_PLAN,
    `${source}: plan ${planId} cannot be loaded: ${problem}`,
    { planId },
  );
}

function marker(error: FlowlineError | string): UnreadableRecord {
  return typeof error === 'string'
    ? { code: ErrorCode.STORAGE_ERROR, message: error }
    : { code: error.code, message: error.message };
}

/**
 * A stored plan with its actions and steps, checked: each record's shape and how they fit together
 * (see `storedPlanProblem`).
 *
 * @param source - the store, for messages (`SqliteAdapter (/var/lib/app.db)`)
 * @param planId - the plan asked for
 * @param parts - the parsed plan record and lists of action and step records
 * @throws FlowlineError `INVALID_PLAN` naming the plan, the record and the field, e.g.
 *   `plan p1 cannot be loaded: step 3 has state "bogus", not a step state`
 */
export function checkStoredPlan(
  source: string,
  planId: string,
  parts: StoredPlanParts,
): StoredPlan {
  const problem = unparsablePart(parts) ?? storedPlanProblem(planId, parts);
  if (problem !== undefined) throw invalidPlan(source, planId, problem);
  const { plan, actions, steps } = parts as StoredPlan;
  return { plan, actions, steps };
}

function unparsablePart(parts: StoredPlanParts): string | undefined {
  if (parts.plan instanceof UnparsableRecord)
    return `the plan record is corrupt: ${parts.plan.reason}`;
  for (const [what, list] of [
    ['action', parts.actions],
    ['step', parts.steps],
  ] as const) {
    if (!Array.isArray(list)) continue;
    const index = list.findIndex((item) => item instanceof UnparsableRecord);
    if (index >= 0) {
      const { reason, id } = list[index] as UnparsableRecord;
      return `${what} ${id ?? index + 1} is corrupt: ${reason}`;
    }
  }
  return undefined;
}

/** Columns a SQL store keeps next to a plan's JSON record; each is used when it is valid. */
export interface PlanColumns {
  readonly label?: unknown;
  readonly state?: unknown;
  readonly result?: unknown;
}

/**
 * A plan record as listed by `findPlans`. A record that cannot be read comes back marked
 * `invalid` (code `INVALID_PLAN`) with its id, its label, state and result when they can be read
 * (from `columns`, which the filters read, else from the record), and its times; the placeholders
 * are label `''`, state and result `pending`, progress 0, root action 1, empty flows and history.
 *
 * @param source - the store, for messages
 * @param planId - the row's key
 * @param value - the parsed record
 * @param columns - label, state and result kept in columns of their own, if any
 */
export function readPlanRecord(
  source: string,
  planId: string,
  value: unknown,
  columns: PlanColumns = {},
): PlanRecord {
  const problem = problemOf(value, planRecordProblem);
  const record = value as Record<string, unknown>;
  if (problem === undefined && record.id === planId) return value as PlanRecord;
  const reason = `the plan record ${problem ?? `has id ${JSON.stringify(record.id)}`}`;
  const found = isJsonObject(value) ? value : {};
  // The columns first: they are what the filters of `findPlans` read.
  const pick = <T>(name: keyof PlanColumns, valid: (v: unknown) => boolean, fallback: T): T => {
    if (valid(columns[name])) return columns[name] as T;
    return valid(found[name]) ? (found[name] as T) : fallback;
  };
  const placeholder: PlanRecord = {
    schemaVersion: Number.isSafeInteger(found.schemaVersion)
      ? (found.schemaVersion as number)
      : SCHEMA_VERSION,
    id: planId,
    label: pick('label', (v) => typeof v === 'string', ''),
    state: pick('state', (v) => typeof v === 'string' && Object.hasOwn(PlanState, v), 'pending'),
    result: pick('result', (v) => typeof v === 'string' && Object.hasOwn(PlanResult, v), 'pending'),
    progress: 0,
    rootActionId: 1,
    runFlow: composed('concurrence'),
    finalizeFlow: composed('sequence'),
    history: [],
    invalid: marker(invalidPlan(source, planId, reason)),
  };
  if (typeof found.startedAt === 'string') placeholder.startedAt = found.startedAt;
  if (typeof found.endedAt === 'string') placeholder.endedAt = found.endedAt;
  return placeholder;
}

/**
 * A world record as listed by `findWorlds`. One that cannot be read comes back marked `invalid`
 * with its id and its last heartbeat when that can be read (from the record, else from
 * `columns.heartbeatAt`), else `''`; host `''`, pid 0, executor `false`, startedAt `''`. The
 * coordinator takes a world whose heartbeat cannot be read for dead.
 */
export function readWorldRecord(
  source: string,
  id: string,
  value: unknown,
  columns: { readonly heartbeatAt?: unknown } = {},
): WorldRecord {
  const problem = problemOf(value, worldRecordProblem);
  const record = value as Record<string, unknown>;
  if (problem === undefined && record.id === id) return value as WorldRecord;
  const found = isJsonObject(value) ? value : {};
  const heartbeat = [found.heartbeatAt, columns.heartbeatAt].find(
    (at): at is string => typeof at === 'string' && !Number.isNaN(Date.parse(at)),
  );
  return {
    id,
    host: '',
    pid: 0,
    executor: false,
    startedAt: '',
    heartbeatAt: heartbeat ?? '',
    invalid: marker(
      `${source}: the record of world ${id} cannot be read: it ${problem ?? `has id ${JSON.stringify(record.id)}`}`,
    ),
  };
}

/**
 * A lock as listed by `findLocks`. One that cannot be read comes back marked `invalid` with its key
 * and owner (which the store keeps as the row's key and owner), `acquiredAt` `''`, and its plan
 * when known: releasing it works as for any lock.
 */
export function readLockRecord(
  source: string,
  key: { readonly key: string; readonly ownerId: string; readonly planId?: string | null },
  value: unknown,
): LockRecord {
  const problem = problemOf(value, lockRecordProblem);
  const record = value as Record<string, unknown>;
  if (problem === undefined && record.key === key.key && record.ownerId === key.ownerId) {
    return value as LockRecord;
  }
  const why = problem ?? 'names another key or owner than its row';
  return {
    key: key.key,
    ownerId: key.ownerId,
    ...(typeof key.planId === 'string' ? { planId: key.planId } : {}),
    acquiredAt: '',
    invalid: marker(`${source}: lock ${key.key} of ${key.ownerId} cannot be read: it ${why}`),
  };
}

/**
 * A queued event as taken or dropped. One that cannot be read (or that names another plan or step
 * than the queue it was in) comes back marked `invalid` (code `INVALID_PLAN`, with the plan and
 * step) with payload `null`: the world logs and drops it, and takes the next event.
 */
export function readEventEnvelope(
  source: string,
  key: { readonly planId: string; readonly stepId: number; readonly id?: unknown },
  value: unknown,
): EventEnvelope {
  const problem = problemOf(value, eventEnvelopeProblem);
  const record = value as Record<string, unknown>;
  if (problem === undefined && record.planId === key.planId && record.stepId === key.stepId) {
    return value as EventEnvelope;
  }
  const { planId, stepId } = key;
  const why = problem ?? 'names another plan or step than the queue it was in';
  const found = isJsonObject(value) ? value : {};
  const id = [found.id, key.id].find((v): v is string => typeof v === 'string') ?? '';
  return {
    id,
    planId,
    stepId,
    payload: null,
    createdAt: '',
    invalid: marker(
      new FlowlineError(
        ErrorCode.INVALID_PLAN,
        `${source}: an event queued for step ${stepId} of plan ${planId} cannot be read: it ${why}`,
        { planId, stepId },
      ),
    ),
  };
}

/**
 * A kept message as taken (`takeMessage`). One that cannot be read (or that names another plan or
 * name than the queue it was in) comes back marked `invalid` (code `INVALID_PLAN`, with the plan)
 * with payload `null`: the world logs and drops it, and takes the next message.
 */
export function readMessageEnvelope(
  source: string,
  key: { readonly planId: string; readonly name: string; readonly id?: unknown },
  value: unknown,
): MessageEnvelope {
  const problem = problemOf(value, messageEnvelopeProblem);
  const record = value as Record<string, unknown>;
  if (problem === undefined && record.planId === key.planId && record.name === key.name) {
    return value as MessageEnvelope;
  }
  const { planId, name } = key;
  const why = problem ?? 'names another plan or name than the queue it was in';
  const found = isJsonObject(value) ? value : {};
  const id = [found.id, key.id].find((v): v is string => typeof v === 'string') ?? '';
  return {
    id,
    planId,
    name,
    payload: null,
    createdAt: '',
    invalid: marker(
      new FlowlineError(
        ErrorCode.INVALID_PLAN,
        `${source}: a message kept for plan ${planId} under the name ${JSON.stringify(name)} ` +
          `cannot be read: it ${why}`,
        { planId },
      ),
    ),
  };
}

/**
 * A delayed-plan record, checked (`loadDelayedPlan`).
 *
 * @throws FlowlineError `INVALID_PLAN` naming the plan when it cannot be read
 */
export function checkDelayedPlanRecord(
  source: string,
  planId: string,
  value: unknown,
): DelayedPlanRecord {
  const problem = delayedProblem(planId, value);
  if (problem !== undefined) throw invalidPlan(source, planId, problem);
  return value as DelayedPlanRecord;
}

function delayedProblem(planId: string, value: unknown): string | undefined {
  const problem = problemOf(value, delayedPlanRecordProblem);
  if (problem !== undefined) return `its delayed-plan record ${problem}`;
  const id = (value as Record<string, unknown>).planId;
  return id === planId ? undefined : `its delayed-plan record has planId ${JSON.stringify(id)}`;
}

/**
 * A delayed-plan record as listed by `findDueDelayedPlans`. One that cannot be read comes back
 * marked `invalid` (code `INVALID_PLAN`) with its plan id, its `startAt` and `frozen` when they can
 * be read (from the record, else from `columns`), args `[]`: the scheduler then fails to load it
 * with `loadDelayedPlan`, logs that, and goes on with the others.
 */
export function readDelayedPlanRecord(
  source: string,
  planId: string,
  value: unknown,
  columns: { readonly startAt?: unknown; readonly frozen?: unknown } = {},
): DelayedPlanRecord {
  const problem = delayedProblem(planId, value);
  if (problem === undefined) return value as DelayedPlanRecord;
  const found = isJsonObject(value) ? value : {};
  const startAt = [found.startAt, columns.startAt].find((v): v is string => typeof v === 'string');
  const frozen = [found.frozen, columns.frozen].find((v): v is boolean => typeof v === 'boolean');
  return {
    planId,
    startAt: startAt ?? '',
    args: [],
    frozen: frozen ?? false,
    invalid: marker(invalidPlan(source, planId, problem)),
  };
}

/**
 * A step log line as loaded by `loadLogs`. One that cannot be read is replaced by a line of level
 * `error`, time `''`, whose message says so and why, so that the other lines still show.
 */
export function readStepLogLine(
  source: string,
  key: { readonly planId: string; readonly stepId: number },
  value: unknown,
): StepLogLine {
  const problem = problemOf(value, stepLogLineProblem);
  const record = value as Record<string, unknown>;
  if (problem === undefined && record.planId === key.planId && record.stepId === key.stepId) {
    return value as StepLogLine;
  }
  const why = problem ?? 'names another plan or step than its row';
  return {
    planId: key.planId,
    stepId: key.stepId,
    at: '',
    level: 'error',
    message: `${source}: a log line of step ${key.stepId} of plan ${key.planId} cannot be read: it ${why}`,
  };
}

/**
 * The plan ids of dependencies as read (`findDependencies`, `findDependents`): a value that is not
 * a plan id (a damaged row) is left out, as a dependency on a plan that does not exist would be.
 */
export function readPlanIds(values: readonly unknown[]): string[] {
  return values.filter((id): id is string => dependencyIdProblem(id) === undefined);
}

/**
 * The refusal of a batch holding a plan record marked `invalid`, or `undefined`: such a record was
 * made up from an unreadable row and is never written back. Call it before writing anything and
 * reject `write` with the error it returns.
 *
 * @returns FlowlineError `INVALID_ARGUMENT` naming the plan, or `undefined` for a batch to write
 */
export function refuseUnreadable(source: string, batch: WriteBatch): FlowlineError | undefined {
  for (const plan of batch.plans ?? []) {
    if (plan.invalid === undefined) continue;
    return new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${source}: write refused: the record of plan ${plan.id} is marked invalid (it was read from ` +
        'an unreadable row) and is never written back; nothing of the batch was written',
      { planId: plan.id },
    );
  }
  return undefined;
}
