import { ErrorCode, FlowlineError, serializeError } from '../errors.js';
import type { ReferenceTarget } from './references.js';
import { referenceTarget, toStoredReference } from './references.js';
import type { JsonObject, JsonValue } from './records.js';

/**
 * How deep a value Flowline stores may nest: at most this many levels of arrays and objects (the
 * top-level object or array is level 1). Deeper values are refused with `UNSERIALIZABLE_VALUE`
 * where they enter the engine, the same on every store: well within what every store and the
 * engine's own recursive code (copies, freezing, JSON) handle.
 */
export const MAX_JSON_DEPTH = 256;

/** Options for {@link toPlainData}. */
export interface PlainDataOptions {
  /** Called for every output reference met; without it, references are rejected. */
  readonly onReference?: (target: ReferenceTarget) => void;
}

/**
 * Checks that a value is plain data and returns a detached JSON copy of it (output references
 * become their stored form). Plain data is `null`, booleans, finite numbers, strings, arrays
 * without holes and plain objects (prototype `Object.prototype` or `null`), at most
 * {@link MAX_JSON_DEPTH} levels deep. A valid `Date` becomes its ISO text; an object property whose
 * value is `undefined` is left out, as JSON does. Everything else is refused with
 * `UNSERIALIZABLE_VALUE` naming the path: strings (values or keys) holding U+0000 or a lone
 * surrogate, an invalid `Date`, an own `__proto__` key, holes and `undefined` in arrays, `Buffer`s,
 * typed arrays, `Map`s, `Set`s and other class instances, objects with their own `toJSON`, `NaN`
 * and `Infinity`, bigints, functions, symbols, cycles, and values that throw when read (getters,
 * revoked proxies). Never throws anything else, whatever the value.
 *
 * @param value - the value to check and copy
 * @param where - what the value is, for the error message (e.g. `argument 1 of Deploy`)
 * @internal
 */
export function toPlainData(
  value: unknown,
  where: string,
  options: PlainDataOptions = {},
): JsonValue {
  const converter = new Converter(where, options);
  try {
    return converter.convert(value, 0);
  } catch (error) {
    // (A WeakSet lookup, not instanceof, which a thrown revoked Proxy would make throw.)
    if (converter.own.has(error as FlowlineError)) throw error;
    // A getter or a proxy trap threw: the path still says where.
    throw converter.refuse(`reading it threw ${describeThrown(error)}`);
  }
}

const RESERVED_KEY = '$flowlineRef';
/** Keys shown as `.key` in a path; any other is shown as `["…"]`, escaped. */
const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Any U+0000 or surrogate: the quick test; only a string that has one is looked at closely. */
// eslint-disable-next-line no-control-regex -- U+0000 is what is looked for
const SUSPECT = /[\u0000\uD800-\uDFFF]/;

/** One conversion: the path to the value being converted and the objects enclosing it. */
class Converter {
  /** Keys and indexes from the top to the value being converted (kept as it was on a throw). */
  readonly path: (string | number)[] = [];
  readonly ancestors = new Set<object>();
  /** Errors made here, passed through unchanged. */
  readonly own = new WeakSet<FlowlineError>();

  constructor(
    private readonly where: string,
    private readonly options: PlainDataOptions,
  ) {}

  convert(value: unknown, depth: number): JsonValue {
    switch (typeof value) {
      case 'string':
        if (SUSPECT.test(value)) this.checkText(value, 'the string');
        return value;
      case 'boolean':
        return value;
      case 'number':
        if (!Number.isFinite(value)) throw this.refuse(`${value} is not valid JSON`);
        // -0 is stored as 0 by JSON: the copy says so at once, on every store.
        return value === 0 ? 0 : value;
      case 'object':
        if (value === null) return null;
        return this.convertObject(value, depth);
      case 'undefined':
        throw this.refuse(
          this.path.length === 0
            ? 'undefined is not JSON data'
            : 'undefined inside an array cannot be stored (JSON would make it null); use null',
        );
      case 'bigint':
        throw this.refuse('a bigint is not JSON-serializable; store it as a string');
      default:
        throw this.refuse(`a ${typeof value} is not JSON-serializable`);
    }
  }

  convertObject(value: object, depth: number): JsonValue {
    const target = referenceTarget(value);
    if (target !== undefined) return this.reference(target, depth);
    if (this.ancestors.has(value)) throw this.refuse('the value contains a cycle');
    if (depth >= MAX_JSON_DEPTH) {
      throw this.refuse(`the value nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    this.ancestors.add(value);
    const result = Array.isArray(value)
      ? this.convertArray(value as unknown[], depth)
      : this.convertRecord(value, depth);
    this.ancestors.delete(value);
    return result;
  }

  convertArray(value: readonly unknown[], depth: number): JsonValue[] {
    const length = value.length;
    const out: JsonValue[] = [];
    for (let index = 0; index < length; index++) {
      this.path.push(index);
      if (!(index in value)) {
        throw this.refuse('a hole in a sparse array cannot be stored (JSON would make it null)');
      }
      out.push(this.convert(value[index], depth + 1));
      this.path.pop();
    }
    return out;
  }

  convertRecord(value: object, depth: number): JsonValue {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      if (value instanceof Date) return this.date(value);
      throw this.refuse(
        `${describeObject(value)} is not plain data (only null, booleans, finite numbers, ` +
          'strings, arrays and plain objects are stored; a Date becomes its ISO text)',
      );
    }
    const record = value as Record<string, unknown>;
    if (typeof record.toJSON === 'function') {
      throw this.refuse(
        'an object with its own toJSON method is not plain data; store what it returns',
      );
    }
    const out: JsonObject = {};
    for (const key of Object.keys(record)) {
      if (key === '__proto__') {
        throw this.refuse('an own __proto__ key cannot be stored (it would be dropped)');
      }
      if (key === RESERVED_KEY) {
        throw this.refuse(`the key ${RESERVED_KEY} is reserved for output references`);
      }
      if (SUSPECT.test(key)) this.checkText(key, `the key ${JSON.stringify(key)}`);
      this.path.push(key);
      const item = record[key];
      if (item !== undefined) out[key] = this.convert(item, depth + 1);
      this.path.pop();
    }
    return out;
  }

  date(value: Date): string {
    const time = Date.prototype.getTime.call(value);
    if (Number.isNaN(time)) throw this.refuse('an invalid Date cannot be stored');
    return Date.prototype.toISOString.call(value);
  }

  /** The stored form of an output reference, which nests three levels. */
  reference(target: ReferenceTarget, depth: number): JsonValue {
    const onReference = this.options.onReference;
    if (onReference === undefined) {
      throw this.refuse('an output reference is only allowed in planSelf input');
    }
    if (depth + 3 > MAX_JSON_DEPTH) {
      throw this.refuse(`the value nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    for (const key of target.path) this.checkText(key, `the referenced key ${JSON.stringify(key)}`);
    try {
      onReference(target);
    } catch (error) {
      // Its refusals (a reference from another plan, to the action itself) are passed on.
      if (error instanceof FlowlineError) this.own.add(error);
      throw error;
    }
    return toStoredReference(target) as unknown as JsonValue;
  }

  /** Refuses text that PostgreSQL cannot store (U+0000, lone surrogates), on every store alike. */
  checkText(text: string, what: string): void {
    if (text.includes('\u0000'))
      throw this.refuse(`${what} contains U+0000, which cannot be stored`);
    const lone = LONE_SURROGATE.exec(text);
    if (lone !== null) {
      const unit = lone[0].charCodeAt(0).toString(16).toUpperCase();
      throw this.refuse(`${what} contains a lone surrogate (U+${unit}), which cannot be stored`);
    }
  }

  refuse(reason: string): FlowlineError {
    const at = this.path.length === 0 ? '' : ` at ${formatPath(this.path)}`;
    const error = new FlowlineError(
      ErrorCode.UNSERIALIZABLE_VALUE,
      `${this.where}${at}: ${reason}`,
    );
    this.own.add(error);
    return error;
  }
}

/** `a.b[1]`; odd keys as `["…"]` (escaped); a very deep path with its middle left out. */
function formatPath(path: readonly (string | number)[]): string {
  const segments = path.map((segment) =>
    typeof segment === 'number'
      ? `[${segment}]`
      : PLAIN_KEY.test(segment)
        ? `.${segment}`
        : `[${JSON.stringify(segment)}]`,
  );
  const shown =
    segments.length <= 16
      ? segments
      : [...segments.slice(0, 8), `…(${segments.length - 12} more)…`, ...segments.slice(-4)];
  const text = shown.join('');
  return text.startsWith('.') ? text.slice(1) : text;
}

/** `an instance of Map`, `an object`: what a refused object is, without trusting it. */
function describeObject(value: object): string {
  let name: unknown;
  try {
    name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  } catch {
    name = undefined;
  }
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
}

function describeThrown(error: unknown): string {
  const { className, message } = serializeError(error);
  return `${className}: ${message}`;
}
