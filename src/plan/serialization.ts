import { ErrorCode, FlowlineError } from '../errors.js';
import type { ReferenceTarget } from './references.js';
import { referenceTarget, storedReference, toStoredReference } from './references.js';
import type { JsonObject, JsonValue } from './records.js';

/** Options for {@link toJson}. */
export interface ToJsonOptions {
  /** Called for every output reference met; without it, references are rejected. */
  readonly onReference?: (target: ReferenceTarget) => void;
}

/**
 * Validates that a value is plain JSON and returns a detached copy of it. Output references become
 * their stored form. Anything JSON would silently mangle — functions, symbols, bigints, `NaN`,
 * class instances such as `Map`, cycles — is refused with `UNSERIALIZABLE_VALUE` naming the path.
 * Objects with a `toJSON` method (e.g. `Date`) are stored as what `toJSON` returns, as JSON does.
 *
 * @param value - the value to check and copy
 * @param where - what the value is, for the error message (e.g. `input of CreateMachine`)
 */
export function toJson(value: unknown, where: string, options: ToJsonOptions = {}): JsonValue {
  return convert(value, where, '', new Set(), options);
}

/** Like {@link toJson}, but the value must be an object (inputs, outputs). */
export function toJsonObject(
  value: unknown,
  where: string,
  options: ToJsonOptions = {},
): JsonObject {
  if (value === undefined) return {};
  const json = typeof value === 'object' && value !== null ? toJson(value, where, options) : value;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw unserializable(where, '', `must be a plain object, got ${describeType(json)}`);
  }
  return json as JsonObject;
}

function convert(
  value: unknown,
  where: string,
  path: string,
  ancestors: Set<object>,
  options: ToJsonOptions,
): JsonValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw unserializable(where, path, `${value} is not valid JSON`);
      return value;
    case 'object':
      break;
    default:
      throw unserializable(where, path, `${describeType(value)} is not JSON-serializable`);
  }
  if (value === null) return null;
  const target = referenceTarget(value);
  if (target !== undefined) {
    if (options.onReference === undefined) {
      throw unserializable(where, path, 'an output reference is only allowed in planSelf input');
    }
    options.onReference(target);
    return toStoredReference(target) as unknown as JsonValue;
  }
  if (ancestors.has(value)) throw unserializable(where, path, 'the value contains a cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return value.map((item: unknown, index) =>
        convert(item, where, `${path}[${index}]`, ancestors, options),
      );
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        return convert(toJSON.call(value), where, path, ancestors, options);
      }
      throw unserializable(where, path, `${describeType(value)} is not a plain object`);
    }
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      if (key === RESERVED_KEY) {
        throw unserializable(
          where,
          path,
          `the key ${RESERVED_KEY} is reserved for output references`,
        );
      }
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      out[key] = convert(item, where, `${path}.${key}`, ancestors, options);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

const RESERVED_KEY = '$flowlineRef';

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value !== 'object') return `a ${typeof value}`;
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name ? `a ${name}` : 'an object';
}

function unserializable(where: string, path: string, reason: string): FlowlineError {
  const at = path === '' ? '' : ` at ${path.startsWith('.') ? path.slice(1) : path}`;
  return new FlowlineError(ErrorCode.UNSERIALIZABLE_VALUE, `${where}${at}: ${reason}`);
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
