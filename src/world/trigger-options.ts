import { ErrorCode, FlowlineError, storableText } from '../errors.js';
import { describeValue } from '../shared/describe-value.js';
import { optionsObject, readFields } from './arguments.js';

/** Options of `world.triggerWith`. */
export interface TriggerOptions {
  /**
   * The plan's id, chosen by the caller (an order number, a request id). Triggering again with
   * an id that a stored plan has returns that plan and plans nothing.
   */
  readonly id?: string;
  /**
   * An idempotency key: triggering again with a key that a stored plan holds returns that plan and
   * plans nothing. Without `id`, the plan id is derived from the key, the same in every process.
   */
  readonly idempotencyKey?: string;
  /** The plan's label. @default the action's name */
  readonly label?: string;
}

/** The longest `id`, `idempotencyKey` or `label` `triggerWith` accepts, in characters. */
export const MAX_TRIGGER_OPTION_LENGTH = 255;

const FIELDS = ['id', 'idempotencyKey', 'label'] as const;

/** C0 and C1 control characters (U+0000 included), which no id, key or label may hold. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Reads and checks `triggerWith`'s options before anything is planned or stored: an object whose
 * only fields are `id`, `idempotencyKey` and `label`, each, when given, a non-empty string of at
 * most {@link MAX_TRIGGER_OPTION_LENGTH} characters without control characters (U+0000 included)
 * or lone surrogates, which every store keeps and compares as it is.
 *
 * @param value - what the caller passed
 * @returns a plain copy of the options
 * @throws FlowlineError `INVALID_ARGUMENT` naming the option
 * @internal
 */
export function readTriggerOptions(value: unknown): TriggerOptions {
  const where = 'world.triggerWith';
  const given = optionsObject(value, where);
  if (value === undefined) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: the options must be an object { id?, idempotencyKey?, label? }, got undefined`,
    );
  }
  let keys: string[];
  try {
    keys = Object.keys(given);
  } catch {
    keys = [];
  }
  const unknown = keys.find((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: unknown option ${JSON.stringify(unknown)} (the options are ${FIELDS.join(', ')})`,
    );
  }
  const options = readFields(given, where, FIELDS);
  for (const field of FIELDS) {
    const option = (options as Record<string, unknown>)[field];
    if (option !== undefined) checkText(option, field, where);
  }
  return options as TriggerOptions;
}

function checkText(value: unknown, field: string, where: string): void {
  const fail = (expected: string): never => {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: option ${field} must be ${expected}, got ${describeValue(value)}`,
    );
  };
  if (typeof value !== 'string') return fail('a string');
  if (value === '') return fail('a non-empty string');
  if (
    value.length > 2 * MAX_TRIGGER_OPTION_LENGTH ||
    codePoints(value) > MAX_TRIGGER_OPTION_LENGTH
  ) {
    return fail(`at most ${MAX_TRIGGER_OPTION_LENGTH} characters long`);
  }
  if (CONTROL.test(value))
    return fail('free of control characters (U+0000 to U+001F, U+007F to U+009F)');
  if (storableText(value) !== value) return fail('free of lone surrogates');
}

/** How many code points a string holds (a surrogate pair is one character). */
function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
