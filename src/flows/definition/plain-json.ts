import { MAX_JSON_DEPTH } from '../../plan/plain-data.js';
import type { JsonValue } from '../../plan/records.js';
import type { Finding } from './finding.js';
import { childPointer } from './pointer.js';

/** A detached JSON copy of a value, and what in it is not JSON data. @internal */
export interface PlainCopy {
  /** The copy (a non-JSON part is `null` in it). */
  readonly value: JsonValue;
  /** One finding per part that is not JSON data. */
  readonly findings: readonly Finding[];
}

// eslint-disable-next-line no-control-regex -- U+0000 is what is looked for
const SUSPECT = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Copies a value as JSON data, finding every part that is not: anything but `null`, booleans,
 * finite numbers, strings, arrays and plain objects (a `Date`, a `Buffer`, `Infinity`, a cycle,
 * nesting past {@link MAX_JSON_DEPTH}), strings or keys holding U+0000 or a lone surrogate (no
 * store keeps them), and values that throw when read. An object property that is `undefined` is
 * left out, as JSON does. Never throws.
 *
 * @internal
 */
export function plainCopy(value: unknown): PlainCopy {
  const findings: Finding[] = [];
  const ancestors = new Set<object>();
  const refuse = (path: string, message: string): null => {
    findings.push({ path, message: `must be JSON data: ${message}` });
    return null;
  };
  const text = (path: string, string: string, what: string): boolean => {
    if (!SUSPECT.test(string)) return true;
    if (string.includes('\u0000')) refuse(path, `${what} holds U+0000`);
    else if (LONE_SURROGATE.test(string)) refuse(path, `${what} holds a lone surrogate`);
    else return true;
    return false;
  };
  const copy = (item: unknown, path: string, depth: number): JsonValue => {
    switch (typeof item) {
      case 'string':
        return text(path, item, 'the string') ? item : null;
      case 'boolean':
        return item;
      case 'number':
        return Number.isFinite(item)
          ? item === 0
            ? 0
            : item
          : refuse(path, `${item} is not JSON`);
      case 'object':
        if (item === null) return null;
        return copyObject(item, path, depth);
      default:
        return refuse(path, `a ${typeof item} is not JSON`);
    }
  };
  const copyObject = (item: object, path: string, depth: number): JsonValue => {
    if (ancestors.has(item)) return refuse(path, 'the value contains itself (a cycle)');
    if (depth >= MAX_JSON_DEPTH)
      return refuse(path, `it nests deeper than ${MAX_JSON_DEPTH} levels`);
    const proto: unknown = Object.getPrototypeOf(item);
    const isArray = Array.isArray(item);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      const name = (item.constructor as { name?: unknown } | undefined)?.name;
      return refuse(
        path,
        `found ${typeof name === 'string' && name !== '' ? `a ${name}` : 'a class instance'}`,
      );
    }
    ancestors.add(item);
    let result: JsonValue;
    if (isArray) {
      const list = item as readonly unknown[];
      const out: JsonValue[] = [];
      for (let index = 0; index < list.length; index++) {
        out.push(copy(list[index], childPointer(path, index), depth + 1));
      }
      result = out;
    } else {
      const entries: [string, JsonValue][] = [];
      for (const key of Object.keys(item)) {
        const child = (item as Record<string, unknown>)[key];
        const where = childPointer(path, key);
        if (child === undefined || !text(where, key, 'the key')) continue;
        // What the store refuses is refused here, at its place, rather than when saving.
        if (key === '__proto__' || key === '$flowlineRef') {
          refuse(where, `the key "${key}" is reserved: it cannot be stored`);
          continue;
        }
        entries.push([key, copy(child, where, depth + 1)]);
      }
      // fromEntries defines own properties: a `__proto__` key stays a key.
      result = Object.fromEntries(entries);
    }
    ancestors.delete(item);
    return result;
  };
  try {
    return { value: copy(value, '', 0), findings };
  } catch (error) {
    // A getter or a proxy trap threw.
    findings.push({
      path: '',
      message: `must be JSON data: reading it threw ${thrownText(error)}`,
    });
    return { value: null, findings };
  }
}

/** What was thrown, for a message; never throws (a revoked proxy throws even on `instanceof`). */
function thrownText(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : `a ${typeof error}`;
  } catch {
    return 'a value that cannot be described';
  }
}
