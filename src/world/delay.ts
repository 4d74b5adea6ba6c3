import { ErrorCode, FlowlineError, storableText } from '../errors.js';
import type { JsonValue } from '../plan/records.js';
import { toJson } from '../plan/serialization.js';
import { describeValue } from '../shared/describe-value.js';

/** A point in time: a `Date`, an ISO 8601 string, or milliseconds since the epoch. */
export type TimeInput = Date | string | number;

/** When a delayed plan (`world.delay`) may start. */
export interface DelayOptions {
  /** The plan is planned and executed once the world clock reaches this time. */
  readonly startAt: TimeInput;
  /**
   * If the plan could not be started by this time (no executor world was running, the store was
   * unreachable), it is not started at all: it ends `stopped`/`error` with
   * `EXECUTION_WINDOW_MISSED`. Must be after `startAt`. @default no limit
   */
  readonly startBefore?: TimeInput;
}

/** A validated delay window, as stored (ISO text, UTC). @internal */
export interface DelayWindow {
  readonly startAt: string;
  readonly startBefore?: string;
}

// ISO 8601 as Date.parse reads it reliably: a date, or a date and time with a zone designator.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Checks the options of `world.delay` and converts them to stored form.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the field that is wrong
 * @internal
 */
export function delayWindow(options: unknown): DelayWindow {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `world.delay: the second argument must be an object { startAt, startBefore? }, got ` +
        describe(options),
    );
  }
  const { startAt, startBefore } = options as { startAt?: unknown; startBefore?: unknown };
  const at = toTime(startAt, 'startAt');
  if (startBefore === undefined) return { startAt: iso(at) };
  const before = toTime(startBefore, 'startBefore');
  if (before <= at) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `world.delay: startBefore (${iso(before)}) must be after startAt (${iso(at)})`,
    );
  }
  return { startAt: iso(at), startBefore: iso(before) };
}

/**
 * The arguments of a delayed or chained plan as stored: plain data as `toJson` checks it (a `Date`
 * becomes its ISO text), trailing omitted (`undefined`) arguments dropped so `plan` sees them
 * omitted again.
 *
 * @throws FlowlineError `UNSERIALIZABLE_VALUE` naming the argument that is not plain data
 * @internal
 */
export function storedArguments(args: readonly unknown[], actionName: string): JsonValue[] {
  let length = args.length;
  while (length > 0 && args[length - 1] === undefined) length--;
  const stored: JsonValue[] = [];
  for (let index = 0; index < length; index++) {
    const where = `argument ${index + 1} of ${actionName}`;
    if (args[index] === undefined) {
      throw new FlowlineError(
        ErrorCode.UNSERIALIZABLE_VALUE,
        `${where}: undefined cannot be stored with a delayed or chained plan ` +
          '(its arguments are kept as JSON); pass null instead',
      );
    }
    stored.push(toJson(args[index], where));
  }
  return stored;
}

/**
 * The prerequisites given to `world.chain` (one id or a list), checked and without duplicates.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` naming the prerequisite that is not a plan id
 * @internal
 */
export function chainPrerequisites(value: unknown): string[] {
  const ids: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(ids)) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      'world.chain: prerequisiteIds must be a plan id or an array of plan ids',
    );
  }
  return [...new Set(ids as unknown[])].map((id, index) => {
    if (typeof id !== 'string' || id === '' || storableText(id) !== id) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `world.chain: prerequisite ${index + 1} must be a plan id (a non-empty string without ` +
          `U+0000 or lone surrogates), got ${describe(id)}`,
      );
    }
    return id;
  });
}

function toTime(value: unknown, field: 'startAt' | 'startBefore'): number {
  let ms = Number.NaN;
  if (isDate(value)) ms = value.getTime();
  else if (typeof value === 'number') ms = Number.isFinite(value) ? value : Number.NaN;
  else if (typeof value === 'string' && (ISO_DATE.test(value) || ISO_DATE_TIME.test(value))) {
    ms = Date.parse(value);
  }
  // Stored times are compared as ISO text, which needs a four-digit year.
  if (Number.isNaN(ms) || ms < MIN_TIME || ms > MAX_TIME) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `world.delay: ${field} must be a valid Date, an ISO 8601 string with a time zone ` +
        `(e.g. "2026-01-01T12:00:00Z") or milliseconds since the epoch, between the years ` +
        `0000 and 9999; got ${describe(value)}`,
    );
  }
  return ms;
}

const MIN_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const MAX_TIME = Date.parse('9999-12-31T23:59:59.999Z');

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whether a value is a real `Date` (not a Proxy of one, on which its methods throw). */
function isDate(value: unknown): value is Date {
  try {
    Date.prototype.getTime.call(value);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  if (isDate(value)) {
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `the Date ${value.toISOString()}`;
  }
  if (value === undefined) return 'nothing (undefined)';
  return describeValue(value);
}
