import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlainDataOptions } from './plain-data.js';
import { toPlainData } from './plain-data.js';
import { storedReference } from './references.js';
import type { JsonObject, JsonValue } from './records.js';

export { MAX_JSON_DEPTH } from './plain-data.js';

/** Options for {@link toJson}. */
export type ToJsonOptions = PlainDataOptions;

/**
 * Validates that a value is plain data and returns a detached JSON copy of it; this is the check
 * at every place a user's value enters the engine (plan arguments, `planSelf` input, step output,
 * event payloads, log meta). Output references become their stored form. Plain data is `null`,
 * booleans, finite numbers, strings, arrays and plain objects, at most {@link MAX_JSON_DEPTH}
 * levels deep; a valid `Date` becomes its ISO text and `undefined` object properties are left out.
 * Anything else — strings holding U+0000 or a lone surrogate, functions, symbols, bigints, `NaN`,
 * class instances such as `Map` or `Buffer`, objects with their own `toJSON`, invalid dates, own
 * `__proto__` keys, sparse arrays, cycles, values that throw when read — is refused with
 * `UNSERIALIZABLE_VALUE` naming the path (see `toPlainData`).
 *
 * @param value - the value to check and copy
 * @param where - what the value is, for the error message (e.g. `input of CreateMachine`)
 * @throws FlowlineError `UNSERIALIZABLE_VALUE`, and nothing else
 */
export function toJson(value: unknown, where: string, options: ToJsonOptions = {}): JsonValue {
  return toPlainData(value, where, options);
}

/**
 * Like {@link toJson}, but the value must be an object (inputs, outputs); `undefined` is `{}`.
 *
 * @throws FlowlineError `UNSERIALIZABLE_VALUE`, and nothing else
 */
export function toJsonObject(
  value: unknown,
  where: string,
  options: ToJsonOptions = {},
): JsonObject {
  if (value === undefined) return {};
  const json = toPlainData(value, where, options);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FlowlineError(
      ErrorCode.UNSERIALIZABLE_VALUE,
      `${where}: must be a plain object, got ${describeJson(json)}`,
    );
  }
  return json;
}

function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * A deep copy of a JSON value (faster than `structuredClone` for the small objects steps carry).
 *
 * @param value - a value already known to be JSON
 */
export function cloneJson<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) out[key] = cloneJson(value[key] as JsonValue);
  return out as T;
}

/** Whether a stored input holds any output reference. */
export function hasStoredReferences(value: JsonValue): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (storedReference(value) !== undefined) return true;
  if (Array.isArray(value)) return value.some(hasStoredReferences);
  return Object.values(value).some(hasStoredReferences);
}

/**
 * Replaces every stored output reference in `value` by the referenced output's value.
 *
 * @param value - a stored input
 * @param outputOf - the persisted output of an action, by id
 * @param where - what the value is, for the error message
 */
export function resolveReferences(
  value: JsonValue,
  outputOf: (actionId: number) => JsonObject | undefined,
  where: string,
): JsonValue {
  if (typeof value !== 'object' || value === null) return value;
  const ref = storedReference(value);
  if (ref !== undefined) {
    let current: JsonValue | undefined = outputOf(ref.actionId);
    for (const key of ref.path) {
      current =
        typeof current === 'object' && current !== null && !Array.isArray(current)
          ? current[key]
          : Array.isArray(current)
            ? current[Number(key)]
            : undefined;
      if (current === undefined) break;
    }
    if (current === undefined) {
      throw new FlowlineError(
        ErrorCode.OUTPUT_REFERENCE_UNRESOLVED,
        `${where}: output${ref.path.map((k) => `.${k}`).join('')} of action ${ref.actionId} has no value`,
        { actionId: ref.actionId },
      );
    }
    return cloneJson(current);
  }
  if (Array.isArray(value)) return value.map((item) => resolveReferences(item, outputOf, where));
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    out[key] = resolveReferences(value[key] as JsonValue, outputOf, where);
  }
  return out;
}
