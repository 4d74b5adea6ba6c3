/**
 * The JSONata helper of the packaged stage actions: plain JSON out, JSONata's truthiness, errors
 * naming the expression, the stage and the position.
 */
import { describe, expect, it } from 'vitest';
import {
  evaluateExpression,
  isTruthy,
  toPlainJson,
} from '../../../src/flows/actions/expression.js';
import { FlowlineError } from '../../../src/index.js';

const scope = { stage: 'Remap', prop: 'fields.x' };

describe('JSONata expressions of stage props', () => {
  it('evaluates against the data and returns plain JSON', async () => {
    const result = await evaluateExpression(
      'items.price',
      { items: [{ price: 1 }, { price: 2 }] },
      scope,
    );
    expect(result).toEqual([1, 2]);
    expect(Object.keys(result as object)).toEqual(['0', '1']); // no sequence flags left
  });

  it('returns undefined when the expression selects nothing', async () => {
    expect(await evaluateExpression('missing', { a: 1 }, scope)).toBeUndefined();
  });

  it('turns non-JSON values into JSON', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(toPlainJson(cyclic)).toEqual({ a: 1 });
    expect(toPlainJson([Number.NaN, Infinity, () => 1, undefined])).toEqual([
      null,
      null,
      null,
      null,
    ]);
    expect(toPlainJson({ f: () => 1, u: undefined, n: 2 })).toEqual({ n: 2 });
    expect(toPlainJson(() => 1)).toBeUndefined();
  });

  it("follows JSONata's truthiness", () => {
    for (const falsy of [undefined, null, false, 0, '', [], {}, [0, '']]) {
      expect(isTruthy(falsy)).toBe(false);
    }
    for (const truthy of [true, 1, 'x', [0, 1], { a: null }]) expect(isTruthy(truthy)).toBe(true);
  });

  it('names the expression, the stage, the prop, the position and the JSONata code', async () => {
    const error = await evaluateExpression('a +', {}, scope).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FlowlineError);
    const failure = error as FlowlineError;
    expect(failure.code).toBe('EXPRESSION_FAILED');
    expect(failure.message).toMatch(
      /^stage "Remap": expression "a \+" in props\.fields\.x failed at position 3: .* \(JSONata S\d+\)$/,
    );
    expect(failure.details).toMatchObject({
      stage: 'Remap',
      prop: 'fields.x',
      expression: 'a +',
      position: 3,
      retryable: false,
    });
  });

  it('keeps the time bound per evaluation: the same text with another bound is its own', async () => {
    const loop = '( $f := function($x){ $f($x) }; $f(1) )';
    const short = await evaluateExpression(loop, {}, { ...scope, timeoutMs: 5 }).catch(
      (e: unknown) => e,
    );
    expect((short as FlowlineError).message).toContain('ran longer than 5 ms');
    const other = await evaluateExpression(loop, {}, { ...scope, timeoutMs: 10 }).catch(
      (e: unknown) => e,
    );
    expect((other as FlowlineError).message).toContain('ran longer than 10 ms');
  });
});
