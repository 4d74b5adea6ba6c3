import { describe, expect, it } from 'vitest';
import { createOutputReference } from '../../src/action/output-reference.js';
import type { ReferenceTarget } from '../../src/plan/references.js';
import type { JsonObject, JsonValue } from '../../src/plan/records.js';
import {
  cloneJson,
  hasStoredReferences,
  resolveReferences,
  toJson,
  toJsonObject,
} from '../../src/plan/serialization.js';
import { caughtFlowlineError as thrown } from '../helpers/errors.js';

/**
 * Expects UNSERIALIZABLE_VALUE with a message `input of X at <path>: <reason>` (no ` at …` for the
 * top level) whose reason matches `reason`.
 */
function expectUnserializable(value: unknown, path: string, reason: RegExp): void {
  const error = thrown(() => toJson(value, 'input of X'));
  expect(error.code).toBe('UNSERIALIZABLE_VALUE');
  const prefix = path === '' ? 'input of X: ' : `input of X at ${path}: `;
  expect(error.message.startsWith(prefix), `${error.message} starts with ${prefix}`).toBe(true);
  expect(error.message.slice(prefix.length)).toMatch(reason);
}

const ref = (actionId: number, path: string[] = []): unknown =>
  createOutputReference({ actionId, path, owner: {} });

describe('toJson accepts JSON', () => {
  it('returns an equal, detached copy of plain JSON', () => {
    const value = {
      s: 'x',
      n: -1.5,
      t: true,
      f: false,
      z: null,
      list: [1, 'a', [null, {}]],
      o: {},
    };
    const copy = toJson(value, 'v');
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect((copy as JsonObject).list).not.toBe(value.list);
    expect(((copy as JsonObject).list as JsonValue[])[2]).not.toBe(value.list[2]);
  });

  it('accepts primitives at the top level', () => {
    expect(toJson('a', 'v')).toBe('a');
    expect(toJson(0, 'v')).toBe(0);
    expect(toJson(null, 'v')).toBeNull();
    expect(toJson(false, 'v')).toBe(false);
  });

  it('drops undefined properties, as JSON does', () => {
    expect(toJson({ a: 1, b: undefined }, 'v')).toEqual({ a: 1 });
    expect(Object.keys(toJson({ a: 1, b: undefined }, 'v') as JsonObject)).toEqual(['a']);
  });

  it('stores a Date as its toJSON() string', () => {
    const date = new Date('2024-05-06T07:08:09.010Z');
    expect(toJson({ at: date, list: [date] }, 'v')).toEqual({
      at: '2024-05-06T07:08:09.010Z',
      list: ['2024-05-06T07:08:09.010Z'],
    });
  });

  it('refuses class instances even when they have a toJSON method (only a Date is converted)', () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): JsonValue {
        return { cents: this.cents, currency: 'EUR' };
      }
    }
    expectUnserializable(
      { price: new Money(250) },
      'price',
      /an instance of Money is not plain data/,
    );
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = 1;
    expect(toJson({ bare }, 'v')).toEqual({ bare: { k: 1 } });
  });

  it('accepts the same (non-cyclic) sub-object in several places', () => {
    const shared = { id: 7, tags: ['a'] };
    const copy = toJson({ a: shared, b: [shared, shared], c: { d: shared } }, 'v') as JsonObject;
    expect(copy).toEqual({ a: shared, b: [shared, shared], c: { d: shared } });
    expect(copy.a).not.toBe(shared);
  });
});

describe('toJson rejects what JSON would mangle', () => {
  it('a function, naming the path', () => {
    expectUnserializable({ a: { b: [1, () => 1] } }, 'a.b[1]', /function/);
  });

  it('a symbol', () => {
    expectUnserializable({ s: Symbol('x') }, 's', /symbol/);
  });

  it('a bigint', () => {
    expectUnserializable({ n: [10n] }, 'n[0]', /bigint/);
  });

  it('NaN and Infinity', () => {
    expectUnserializable({ x: NaN }, 'x', /NaN/);
    expectUnserializable({ x: { y: Infinity } }, 'x.y', /Infinity/);
    expectUnserializable([-Infinity], '[0]', /-Infinity/);
  });

  it('undefined at the top level or inside an array', () => {
    expect(thrown(() => toJson(undefined, 'v')).code).toBe('UNSERIALIZABLE_VALUE');
    const error = thrown(() => toJson({ list: [1, undefined] }, 'input of X'));
    expect(error.code).toBe('UNSERIALIZABLE_VALUE');
    expect(error.message).toMatch(/^input of X at list\[1\]: .*undefined/);
  });

  it('Map, Set and class instances', () => {
    expectUnserializable({ m: new Map() }, 'm', /Map/);
    expectUnserializable({ a: [new Set([1])] }, 'a[0]', /Set/);
    class Machine {
      id = 1;
    }
    expectUnserializable({ deep: { machine: new Machine() } }, 'deep.machine', /Machine/);
    expectUnserializable(/re/, '', /RegExp/);
  });

  it('a top-level function, with no path', () => {
    expectUnserializable(() => 1, '', /function/);
  });

  it('cycles through objects and arrays', () => {
    const obj: Record<string, unknown> = { a: 1 };
    obj.self = obj;
    expectUnserializable(obj, 'self', /cycle/);
    const list: unknown[] = [1];
    const holder = { list };
    list.push({ back: holder });
    expectUnserializable(holder, 'list[1].back', /cycle/);
  });

  it('a toJSON that returns a cycle or a function', () => {
    const bad = {
      toJSON() {
        return () => 1;
      },
    };
    class Weird {
      toJSON(): unknown {
        return bad;
      }
    }
    expect(thrown(() => toJson({ w: new Weird() }, 'v')).code).toBe('UNSERIALIZABLE_VALUE');
  });

  it('output references unless onReference is given', () => {
    expectUnserializable({ dbId: ref(2, ['id']) }, 'dbId', /output reference/);
  });
});

describe('toJson with output references', () => {
  it('calls onReference and stores the reference form', () => {
    const seen: ReferenceTarget[] = [];
    const owner = {};
    const value = {
      dbId: createOutputReference({ actionId: 2, path: ['machine', 'id'], owner }),
      all: [createOutputReference({ actionId: 3, path: [], owner })],
    };
    const stored = toJson(value, 'v', { onReference: (t) => seen.push(t) });
    expect(stored).toEqual({
      dbId: { $flowlineRef: { actionId: 2, path: ['machine', 'id'] } },
      all: [{ $flowlineRef: { actionId: 3, path: [] } }],
    });
    expect(seen.map((t) => [t.actionId, [...t.path]])).toEqual([
      [2, ['machine', 'id']],
      [3, []],
    ]);
    expect(seen[0]?.owner).toBe(owner);
    expect(hasStoredReferences(stored)).toBe(true);
    expect(hasStoredReferences({ a: [1, { b: 'x' }] })).toBe(false);
  });

  it('a reference becomes its stored form through JSON.stringify too', () => {
    expect(JSON.parse(JSON.stringify({ r: ref(4, ['a']) }))).toEqual({
      r: { $flowlineRef: { actionId: 4, path: ['a'] } },
    });
  });
});

describe('toJsonObject', () => {
  it('accepts plain objects and treats undefined as {}', () => {
    expect(toJsonObject({ a: [1] }, 'v')).toEqual({ a: [1] });
    expect(toJsonObject(undefined, 'v')).toEqual({});
    expect(toJsonObject({ at: new Date(0) }, 'v')).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it('rejects non-objects with a message naming the type', () => {
    for (const [value, type] of [
      [null, 'null'],
      [[1], 'an array'],
      ['s', 'a string'],
      [3, 'a number'],
    ] as const) {
      const error = thrown(() => toJsonObject(value, 'output of Y'));
      expect(error.code).toBe('UNSERIALIZABLE_VALUE');
      expect(error.message).toBe(`output of Y: must be a plain object, got ${type}`);
    }
  });

  it('rejects an object whose toJSON() is not a plain object', () => {
    // toJsonObject promises an object: a Date (or any toJSON returning a string or an array)
    // must not come back as a string or an array.
    for (const value of [
      new Date(0),
      {
        toJSON() {
          return [1, 2];
        },
      },
    ]) {
      let result: unknown;
      const error = thrown(() => {
        result = toJsonObject(value, 'input of Z');
      });
      expect(result).toBeUndefined();
      expect(error.code).toBe('UNSERIALIZABLE_VALUE');
    }
  });

  it('rejects nested unserializable values with their path', () => {
    const error = thrown(() => toJsonObject({ a: { b: [0, () => 0] } }, 'output of Y'));
    expect(error.code).toBe('UNSERIALIZABLE_VALUE');
    expect(error.message).toContain('at a.b[1]');
  });
});

describe('resolveReferences', () => {
  const outputs: Record<number, JsonObject> = {
    2: { machine: { id: 'm-1', ports: [22, 80] }, tags: ['x', 'y'], zero: 0, nil: null },
    3: { ok: true },
  };
  const outputOf = (id: number): JsonObject | undefined => outputs[id];
  const stored = (actionId: number, path: string[]): JsonObject => ({
    $flowlineRef: { actionId, path },
  });

  it('replaces stored references, nested and inside arrays', () => {
    const input: JsonValue = {
      id: stored(2, ['machine', 'id']),
      port: stored(2, ['machine', 'ports', '1']),
      list: [stored(3, ['ok']), 'plain', { deep: stored(2, ['tags']) }],
      whole: stored(3, []),
      falsy: [stored(2, ['zero']), stored(2, ['nil'])],
      keep: { n: 1 },
    };
    expect(resolveReferences(input, outputOf, 'input')).toEqual({
      id: 'm-1',
      port: 80,
      list: [true, 'plain', { deep: ['x', 'y'] }],
      whole: { ok: true },
      falsy: [0, null],
      keep: { n: 1 },
    });
  });

  it('returns copies, not the stored output objects', () => {
    const resolved = resolveReferences({ m: stored(2, ['machine']) }, outputOf, 'i') as JsonObject;
    expect(resolved.m).toEqual(outputs[2]?.machine);
    expect(resolved.m).not.toBe(outputs[2]?.machine);
  });

  it('leaves a value without references equal', () => {
    const input = { a: [1, { b: 'c' }], d: null };
    expect(resolveReferences(input, outputOf, 'i')).toEqual(input);
  });

  it('throws OUTPUT_REFERENCE_UNRESOLVED for a missing path', () => {
    const error = thrown(() =>
      resolveReferences({ x: stored(2, ['machine', 'ip']) }, outputOf, 'input of Web (action 4)'),
    );
    expect(error.code).toBe('OUTPUT_REFERENCE_UNRESOLVED');
    expect(error.actionId).toBe(2);
    expect(error.message).toBe(
      'input of Web (action 4): output.machine.ip of action 2 has no value',
    );
  });

  it('throws OUTPUT_REFERENCE_UNRESOLVED below a primitive, past an array end, or for an unknown action', () => {
    for (const input of [
      { x: stored(2, ['machine', 'id', 'length']) },
      { x: stored(2, ['tags', '5']) },
      [stored(9, [])],
    ]) {
      expect(thrown(() => resolveReferences(input, outputOf, 'i')).code).toBe(
        'OUTPUT_REFERENCE_UNRESOLVED',
      );
    }
  });
});

describe('cloneJson', () => {
  it('deep copies objects and arrays', () => {
    const value: JsonObject = { a: { b: [1, { c: 'd' }] }, e: null, f: 'g' };
    const copy = cloneJson(value);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    expect(copy.a).not.toBe(value.a);
    ((copy.a as JsonObject).b as JsonValue[]).push(2);
    (((copy.a as JsonObject).b as JsonValue[])[1] as JsonObject).c = 'changed';
    expect(value).toEqual({ a: { b: [1, { c: 'd' }] }, e: null, f: 'g' });
  });

  it('returns primitives as they are', () => {
    expect(cloneJson(5)).toBe(5);
    expect(cloneJson('s')).toBe('s');
    expect(cloneJson(null)).toBeNull();
  });
});
