/**
 * What Flowline accepts as a value (toJson, the check at every place a user's value enters the
 * engine): plain data only, strings every store can keep, at most MAX_JSON_DEPTH levels, and a
 * typed UNSERIALIZABLE_VALUE naming the path for anything else — never another error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import type { JsonValue } from '../../src/plan/records.js';
import { MAX_JSON_DEPTH, toJson, toJsonObject } from '../../src/plan/serialization.js';
import { caughtFlowlineError as thrown } from '../helpers/errors.js';

/** The UNSERIALIZABLE_VALUE error `toJson(value, 'argument 1 of Deploy')` throws. */
function refusal(value: unknown): FlowlineError {
  const error = thrown(() => toJson(value, 'argument 1 of Deploy'));
  expect(error.code).toBe('UNSERIALIZABLE_VALUE');
  return error;
}

/** An array nested `levels` deep: `[[[…]]]` with `levels` arrays. */
function nestedArrays(levels: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < levels; level++) value = [value];
  return value;
}

/** An object nested `levels` deep: `{ a: { a: … } }` with `levels` objects. */
function nestedObjects(levels: number): unknown {
  let value: unknown = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

describe('strings every store can keep', () => {
  it('refuses U+0000 in a string value, naming where', () => {
    expect(refusal({ name: 'a\u0000b' }).message).toBe(
      'argument 1 of Deploy at name: the string contains U+0000, which cannot be stored',
    );
    expect(refusal('\u0000').message).toBe(
      'argument 1 of Deploy: the string contains U+0000, which cannot be stored',
    );
    expect(refusal({ list: ['ok', ['\u0000']] }).message).toContain('at list[1][0]:');
  });

  it('refuses a lone surrogate (high or low) in a string value', () => {
    expect(refusal({ s: 'x\uD800' }).message).toBe(
      'argument 1 of Deploy at s: the string contains a lone surrogate (U+D800), which cannot be stored',
    );
    expect(refusal({ s: '\uDC00x' }).message).toContain('lone surrogate (U+DC00)');
    expect(refusal({ s: '\uDBFF\uDBFF\uDC00' }).message).toContain('lone surrogate (U+DBFF)');
  });

  it('refuses such a key, showing it escaped in the path', () => {
    const key = refusal({ outer: { 'a\u0000b': 1 } });
    expect(key.message).toBe(
      'argument 1 of Deploy at outer: the key "a\\u0000b" contains U+0000, which cannot be stored',
    );
    expect(refusal({ '\uDFFF': 1 }).message).toContain(
      'the key "\\udfff" contains a lone surrogate',
    );
    // An odd key on the way to a bad value is shown escaped, so the message itself is storable.
    const deep = refusal({ 'a b': { 'c\uD83D\uDE00': [1, NaN] } });
    expect(deep.message).toContain('at ["a b"]["c😀"][1]:');
  });

  it('accepts well-formed text: surrogate pairs, U+FFFD, other control characters', () => {
    const value = {
      emoji: '😀 \uD83D\uDE00',
      replacement: '\uFFFD',
      tab: '\t\u0001\u001f',
      '😀': 1,
    };
    expect(toJson(value, 'v')).toEqual(value);
  });
});

describe(`at most ${MAX_JSON_DEPTH} levels`, () => {
  it('is a documented constant of 256', () => {
    expect(MAX_JSON_DEPTH).toBe(256);
  });

  it('accepts exactly MAX_JSON_DEPTH levels of arrays and of objects', () => {
    expect(toJson(nestedArrays(MAX_JSON_DEPTH), 'v')).toEqual(nestedArrays(MAX_JSON_DEPTH));
    expect(toJsonObject(nestedObjects(MAX_JSON_DEPTH), 'v')).toEqual(nestedObjects(MAX_JSON_DEPTH));
  });

  it('refuses one level more, with a path that stays short', () => {
    for (const value of [nestedArrays(MAX_JSON_DEPTH + 1), nestedObjects(MAX_JSON_DEPTH + 1)]) {
      const error = refusal(value);
      expect(error.message).toMatch(/: the value nests deeper than 256 levels$/);
      expect(error.message.length).toBeLessThan(200);
    }
    expect(refusal(nestedObjects(MAX_JSON_DEPTH + 1)).message).toContain('(244 more)');
  });

  it('refuses 100 000 levels with UNSERIALIZABLE_VALUE, not a RangeError', () => {
    expect(refusal(nestedArrays(100_000)).message).toContain('nests deeper than 256 levels');
    expect(refusal(nestedObjects(100_000)).message).toContain('nests deeper than 256 levels');
  });
});

describe('plain data only', () => {
  it('converts a valid Date to its ISO text, anywhere', () => {
    const date = new Date('2024-05-06T07:08:09.010Z');
    expect(toJson({ at: date, list: [date] }, 'v')).toEqual({
      at: '2024-05-06T07:08:09.010Z',
      list: ['2024-05-06T07:08:09.010Z'],
    });
    expect(toJson(date, 'v')).toBe('2024-05-06T07:08:09.010Z');
  });

  it('drops undefined object properties (as JSON does) but refuses undefined in an array', () => {
    expect(toJson({ a: 1, b: undefined }, 'v')).toEqual({ a: 1 });
    expect(refusal([1, undefined]).message).toMatch(/at \[1\]: undefined inside an array/);
  });

  const refused: [string, () => unknown, RegExp][] = [
    ['an invalid Date', () => ({ at: new Date(Number.NaN) }), /at at: an invalid Date/],
    [
      'an own __proto__ key',
      () => JSON.parse('{"x":{"__proto__":{"admin":true}}}') as unknown,
      /at x: an own __proto__ key/,
    ],
    // eslint-disable-next-line no-sparse-arrays -- the hole is what is tested
    ['a sparse array', () => ({ list: [1, , 3] }), /at list\[1\]: a hole in a sparse array/],
    [
      'a Buffer',
      () => ({ data: Buffer.from('hi') }),
      /at data: an instance of Buffer is not plain data/,
    ],
    [
      'a typed array',
      () => ({ data: new Uint8Array(2) }),
      /an instance of Uint8Array is not plain data/,
    ],
    ['a Map', () => ({ m: new Map() }), /at m: an instance of Map is not plain data/],
    ['a Set', () => [new Set([1])], /at \[0\]: an instance of Set is not plain data/],
    [
      'a class instance',
      () => ({
        p: new (class Point {
          x = 1;
        })(),
      }),
      /an instance of Point is not plain/,
    ],
    ['a RegExp', () => /re/, /an instance of RegExp is not plain data/],
    ['an Error', () => ({ e: new Error('x') }), /an instance of Error is not plain data/],
    [
      'a boxed string',
      () => ({ s: Object('x') as unknown }),
      /an instance of String is not plain data/,
    ],
    [
      'an object with its own toJSON',
      () => ({ o: { toJSON: () => 1 } }),
      /at o: an object with its own toJSON/,
    ],
    ['NaN', () => ({ n: Number.NaN }), /at n: NaN is not valid JSON/],
    ['Infinity', () => [Infinity], /Infinity is not valid JSON/],
    ['a bigint', () => ({ n: 1n }), /at n: a bigint/],
    ['a function', () => ({ f: () => 1 }), /at f: a function/],
    ['a symbol', () => ({ s: Symbol('s') }), /at s: a symbol/],
    ['undefined at the top', () => undefined, /undefined is not JSON data/],
  ];
  for (const [name, make, message] of refused) {
    it(`refuses ${name}`, () => {
      expect(refusal(make()).message).toMatch(message);
    });
  }

  it('refuses cycles through objects and arrays', () => {
    const obj: Record<string, unknown> = {};
    obj.self = { list: [obj] };
    expect(refusal(obj).message).toMatch(/at self\.list\[0\]: the value contains a cycle/);
  });

  it('refuses values that throw when read, with the path and what was thrown', () => {
    const getter = {
      ok: 1,
      get bad(): unknown {
        throw new TypeError('no access');
      },
    };
    expect(refusal({ outer: getter }).message).toBe(
      'argument 1 of Deploy at outer.bad: reading it threw TypeError: no access',
    );
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(refusal({ p: proxy }).message).toMatch(/at p: reading it threw TypeError/);
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a hostile value does
          throw null;
        },
      },
    );
    expect(refusal([hostile]).message).toMatch(/at \[0\]: reading it threw .*null/);
  });

  it('toJsonObject refuses what toJson refuses, and a Date at the top (not an object)', () => {
    expect(thrown(() => toJsonObject(new Date(0), 'output of Y')).message).toBe(
      'output of Y: must be a plain object, got a string',
    );
    expect(thrown(() => toJsonObject({ s: '\u0000' }, 'output of Y')).message).toContain(
      'output of Y at s: the string contains U+0000',
    );
  });
});

/** Values that are plain data: what toJson accepts and copies unchanged (JSON has no -0). */
/**
 * Whether an own `__proto__` or `$flowlineRef` key occurs anywhere in the value: those are refused
 * on purpose (tested above), so they are not plain data that comes back equal.
 */
function hasRefusedKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasRefusedKey);
  return Object.keys(value).some(
    (key) =>
      key === '__proto__' ||
      key === '$flowlineRef' ||
      hasRefusedKey((value as Record<string, unknown>)[key]),
  );
}

const plainData = fc
  .jsonValue({ maxDepth: 6 })
  .map((value) => JSON.parse(JSON.stringify(value)) as JsonValue)
  .filter((value) => !hasRefusedKey(value));

/** Whether every store can keep the text: no U+0000, no lone surrogate (checked unit by unit). */
function storable(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit === 0) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      index++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** Anything at all, including the odd values fast-check knows (boxed, typed arrays, sparse …). */
const anything = fc.anything({
  maxDepth: 4,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: 'binary',
});

describe('properties', () => {
  it('plain data comes back equal and detached', () => {
    fc.assert(
      fc.property(plainData, (value) => {
        const copy = toJson(value, 'v');
        expect(copy).toEqual(value);
        if (typeof value === 'object' && value !== null) expect(copy).not.toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('anything either comes back as what JSON would store, or is refused with UNSERIALIZABLE_VALUE', () => {
    fc.assert(
      fc.property(anything, (value) => {
        let result: JsonValue;
        try {
          result = toJson(value, 'v');
        } catch (error) {
          expect(error).toBeInstanceOf(FlowlineError);
          expect((error as FlowlineError).code).toBe('UNSERIALIZABLE_VALUE');
          return;
        }
        // Accepted: storing it changes nothing that JSON would keep.
        expect(JSON.parse(JSON.stringify(result)) as unknown).toEqual(result);
        expect(result).toEqual(JSON.parse(JSON.stringify(value)) as unknown);
      }),
      { numRuns: 2000 },
    );
  });

  it('strings: accepted exactly when they hold neither U+0000 nor a lone surrogate', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const key = text.filter((k) => k !== '__proto__' && k !== '$flowlineRef');
    fc.assert(
      fc.property(text, key, (value, key) => {
        const ok = storable(value) && storable(key);
        if (ok) {
          expect(toJson({ [key]: [value] }, 'v')).toEqual({ [key]: [value] });
        } else {
          expect(refusal({ [key]: [value] }).message).toMatch(/U\+0000|lone surrogate/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
