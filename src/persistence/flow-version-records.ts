/**
 * Flow-version records (`FlowVersionRecord`, for `flowline/flows`) on their way into and out of a
 * store. Every adapter that offers `saveFlowVersions` and `findFlowVersions` does the same with
 * them:
 *
 * - in: {@link checkFlowVersionRecords} checks the whole batch before anything is written and
 *   returns detached copies holding only the record's own fields; one bad record refuses the batch
 *   with `INVALID_ARGUMENT` naming the record and the field;
 * - out: {@link readFlowVersionRecord} turns what a row holds back into a record; a row that cannot
 *   be read comes back marked `invalid` (code `STORAGE_ERROR`) with documented placeholders, so one
 *   damaged row never fails the list;
 *
 * Filters and the order of `findFlowVersions` are in `flow-version-filter.ts`.
 */
import { ErrorCode, FlowlineError } from '../errors.js';
import { toPlainData } from '../plan/plain-data.js';
import type { JsonObject, JsonValue } from '../plan/records.js';
import { describeValue } from '../shared/describe-value.js';
import type { FlowVersionRecord } from './adapter.js';
import { isJsonObject } from './record-checks.js';
import { UnparsableRecord } from './record-decoding.js';

/** The stages a flow version can be at. */
export const FLOW_VERSION_STAGES: readonly FlowVersionRecord['stage'][] = [
  'development',
  'production',
  'retired',
];

const FIELDS = new Set([
  'name',
  'version',
  'stage',
  'definition',
  'createdAt',
  'deployedAt',
  'patches',
  'invalid',
]);

/** An ISO-8601 date and time with a zone, e.g. `2024-05-01T10:00:00.000Z`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
// eslint-disable-next-line no-control-regex -- U+0000 is what is looked for
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const isIsoTime = (value: unknown): value is string =>
  typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value));
/**
 * Whether a value is a flow name every store can keep: a non-empty string without U+0000 or lone
 * surrogates.
 *
 * @internal
 */
export const isFlowName = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && !BAD_TEXT.test(value);
const isVersion = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) > 0;
/**
 * Whether a value is one of {@link FLOW_VERSION_STAGES}.
 *
 * @internal
 */
export const isFlowStage = (value: unknown): value is FlowVersionRecord['stage'] =>
  FLOW_VERSION_STAGES.includes(value as FlowVersionRecord['stage']);

/** Thrown inside the checks below with the field it is about. */
class Refusal extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

/** A detached, checked copy of one record (only its own fields), or a {@link Refusal}. */
function checkedCopy(value: unknown): FlowVersionRecord {
  if (!isPlainObject(value))
    throw new Refusal('', `is ${describeValue(value)}, not a plain object`);
  for (const key of Object.keys(value)) {
    if (!FIELDS.has(key)) throw new Refusal(key, 'is not a field of a flow version');
  }
  if (value.invalid !== undefined) {
    throw new Refusal('invalid', 'is set: the record was read from an unreadable row');
  }
  const { name, version, stage, createdAt, deployedAt } = value;
  if (!isFlowName(name)) {
    throw new Refusal('name', `is ${describeValue(name)}, not a non-empty string without U+0000`);
  }
  if (!isVersion(version)) {
    throw new Refusal('version', `is ${describeValue(version)}, not a positive integer`);
  }
  if (!isFlowStage(stage)) {
    throw new Refusal('stage', `is ${describeValue(stage)}, not ${FLOW_VERSION_STAGES.join(', ')}`);
  }
  const definition = json(value.definition, 'definition');
  if (!isJsonObject(definition)) {
    throw new Refusal('definition', `is ${describeValue(definition)}, not a JSON object`);
  }
  if (!isIsoTime(createdAt)) {
    throw new Refusal('createdAt', `is ${describeValue(createdAt)}, not an ISO time`);
  }
  if (deployedAt !== undefined && !isIsoTime(deployedAt)) {
    throw new Refusal('deployedAt', `is ${describeValue(deployedAt)}, not an ISO time`);
  }
  return {
    name,
    version,
    stage,
    definition,
    createdAt,
    ...(deployedAt === undefined ? {} : { deployedAt }),
    // `patches: null` is kept as no patches, on every store.
    ...(value.patches == null ? {} : { patches: json(value.patches, 'patches') }),
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isJsonObject(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function json(value: unknown, field: string): JsonValue {
  try {
    return toPlainData(value, field);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Refusal(field, `is not JSON data (${message})`);
  }
}

/**
 * Checks a batch for `saveFlowVersions` before anything is written.
 *
 * @param source - the store, for messages (`SqliteAdapter (/var/lib/app.db)`)
 * @param records - the batch as given
 * @returns detached copies of the records, holding only their own fields
 * @throws FlowlineError `INVALID_ARGUMENT` naming the record (its position, name and version) and
 *   the field, e.g. `record 2 (flow "Publish", version 3): stage is "live", not development, …`
 */
export function checkFlowVersionRecords(source: string, records: unknown): FlowVersionRecord[] {
  if (!Array.isArray(records)) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${source}: saveFlowVersions takes a list of flow versions, got ${describeValue(records)}; nothing was written`,
    );
  }
  return records.map((record: unknown, index) => {
    try {
      return checkedCopy(record);
    } catch (thrown) {
      // A getter or a revoked proxy may throw anything: it is a record that cannot be read.
      const error =
        thrown instanceof Refusal
          ? thrown
          : new Refusal(
              '',
              `cannot be read (${thrown instanceof Error ? thrown.message : 'it threw'})`,
            );
      const field = error.field === '' ? '' : `${error.field} `;
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${source}: saveFlowVersions refused flow version record ${index + 1}${nameOf(record)}: ` +
          `${field}${error.problem}; nothing of the batch was written`,
        {
          details: {
            issues: [
              { path: error.field === '' ? [index] : [index, error.field], message: error.problem },
            ],
          },
        },
      );
    }
  });
}

/** ` (flow "…", version …)` for a record whose name can be read, else `''`. */
function nameOf(record: unknown): string {
  try {
    const found = isJsonObject(record) ? record : {};
    return typeof found.name === 'string'
      ? ` (flow ${JSON.stringify(found.name)}, version ${describeValue(found.version)})`
      : '';
  } catch {
    return '';
  }
}

/** What a store read for one flow version: its columns, JSON ones parsed (see `parseStoredJson`). */
export interface FlowVersionRow {
  readonly name: unknown;
  readonly version: unknown;
  readonly stage: unknown;
  readonly definition: unknown;
  readonly createdAt: unknown;
  /** `null` or `undefined` when the version was never deployed. */
  readonly deployedAt?: unknown;
  /** `null` or `undefined` when no patches were kept. */
  readonly patches?: unknown;
}

/** The first problem of a row, phrased to follow `it`, or `undefined`. */
function rowProblem(row: FlowVersionRow): string | undefined {
  const bad = (field: string, value: unknown, expected: string): string =>
    value instanceof UnparsableRecord
      ? `has a ${field} that is corrupt: ${value.reason}`
      : `has ${field} ${describeValue(value)}, not ${expected}`;
  if (!isFlowName(row.name)) return bad('name', row.name, 'a non-empty string');
  if (!isVersion(row.version)) return bad('version', row.version, 'a positive integer');
  if (!isFlowStage(row.stage)) return bad('stage', row.stage, FLOW_VERSION_STAGES.join(', '));
  if (!isJsonObject(row.definition) || row.definition instanceof UnparsableRecord) {
    return bad('definition', row.definition, 'a JSON object');
  }
  if (!isIsoTime(row.createdAt)) return bad('createdAt', row.createdAt, 'an ISO time');
  if (row.deployedAt != null && !isIsoTime(row.deployedAt)) {
    return bad('deployedAt', row.deployedAt, 'an ISO time');
  }
  if (row.patches instanceof UnparsableRecord) return bad('patches', row.patches, 'JSON');
  return undefined;
}

/**
 * A flow version as listed by `findFlowVersions`. A row that cannot be read (JSON that does not
 * parse, a field of the wrong type or value) comes back marked `invalid` with code `STORAGE_ERROR`
 * and a message naming the store, the row and the field; it keeps the name and version when they
 * can be read, else `''` and 0, and placeholders for the rest: stage `retired` (so nothing runs
 * it), definition `{}`, createdAt `''`.
 *
 * @param source - the store, for messages
 * @param row - what the store holds for the version
 */
export function readFlowVersionRecord(source: string, row: FlowVersionRow): FlowVersionRecord {
  const problem = rowProblem(row);
  if (problem === undefined) {
    const record: FlowVersionRecord = {
      name: row.name as string,
      version: row.version as number,
      stage: row.stage as FlowVersionRecord['stage'],
      definition: row.definition as JsonObject,
      createdAt: row.createdAt as string,
      ...(row.deployedAt == null ? {} : { deployedAt: row.deployedAt as string }),
      ...(row.patches === undefined || row.patches === null
        ? {}
        : { patches: row.patches as JsonValue }),
    };
    return record;
  }
  const name = typeof row.name === 'string' ? row.name : '';
  const version = isVersion(row.version) ? row.version : 0;
  return {
    name,
    version,
    stage: 'retired',
    definition: {},
    createdAt: '',
    invalid: {
      code: ErrorCode.STORAGE_ERROR,
      message: `${source}: version ${describeValue(row.version)} of flow ${JSON.stringify(name)} cannot be read: it ${problem}`,
    },
  };
}
