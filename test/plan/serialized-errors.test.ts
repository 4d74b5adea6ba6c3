/**
 * The error kept on a step (serializeError) and the normalised Error every boundary works with
 * (toError): both never throw, whatever was thrown, and their texts can be stored on every store.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowlineError, serializeError, storableText, textOf, toError } from '../../src/errors.js';
import { hostileThrows } from '../helpers/hostile-values.js';

/** Whether a text has neither U+0000 nor a lone surrogate. */
function storable(text: string): boolean {
  return (
    !text.includes('\u0000') &&
    !/[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))
  );
}

describe('serializeError and toError never throw', () => {
  for (const thrown of hostileThrows) {
    it(`${thrown.name}: a readable, storable record`, () => {
      const value = thrown.make();
      const error = toError(value);
      expect(error).toBeInstanceOf(Error);
      expect(typeof error.message).toBe('string');
      const serialized = serializeError(value);
      expect(serialized.className).toBe('Error');
      expect(serialized.message).toMatch(thrown.says);
      expect(storable(serialized.message)).toBe(true);
      if (serialized.stack !== undefined) expect(storable(serialized.stack)).toBe(true);
      // The record is plain JSON.
      expect(JSON.parse(JSON.stringify(serialized))).toEqual(serialized);
    });
  }

  it('an Error that reads fine is kept as it is, with its class name and code', () => {
    class QuotaExceeded extends Error {}
    const error = new QuotaExceeded('over quota');
    expect(toError(error)).toBe(error);
    expect(serializeError(error)).toMatchObject({
      className: 'QuotaExceeded',
      message: 'over quota',
    });
    const flowline = new FlowlineError('PLAN_NOT_FOUND', 'no plan x');
    expect(serializeError(flowline)).toMatchObject({
      className: 'FlowlineError',
      code: 'PLAN_NOT_FOUND',
      message: 'no plan x',
    });
  });

  it('a class name or stack holding U+0000 is stored sanitised', () => {
    class Odd extends Error {}
    Object.defineProperty(Odd, 'name', { value: 'Od\u0000d' });
    const error = new Odd('m');
    error.stack = 'at \uDC00 somewhere';
    expect(serializeError(error)).toMatchObject({
      className: 'Od\uFFFDd',
      message: 'm',
      stack: 'at \uFFFD somewhere',
    });
  });

  it('property: any value at all gives a storable record with string fields', () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withSet: true, withSparseArray: true }),
        (value) => {
          const serialized = serializeError(value);
          expect(typeof serialized.className).toBe('string');
          expect(typeof serialized.message).toBe('string');
          expect(storable(serialized.message)).toBe(true);
          expect(storable(serialized.className)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('storableText and textOf', () => {
  it('replaces U+0000 and lone surrogates by U+FFFD and keeps everything else', () => {
    expect(storableText('a\u0000b\uD800c\uDC00d😀')).toBe('a\uFFFDb\uFFFDc\uFFFDd😀');
    const same = 'plain text';
    expect(storableText(same)).toBe(same);
  });

  it('property: the result is storable, and a storable text is unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        const result = storableText(text);
        expect(storable(result)).toBe(true);
        expect(result.length).toBe(text.length);
        if (storable(text)) expect(result).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('textOf describes any value without throwing, cut at 500 characters', () => {
    expect(textOf('s')).toBe('s');
    expect(textOf(null)).toBe('null');
    expect(textOf(undefined)).toBe('undefined');
    expect(textOf({ a: 1 })).toBe('{"a":1}');
    expect(textOf(10n)).toBe('10');
    expect(textOf('x'.repeat(600))).toHaveLength(600);
    expect(textOf({ long: 'x'.repeat(600) })).toHaveLength(501);
    for (const thrown of hostileThrows) expect(typeof textOf(thrown.make())).toBe('string');
  });
});
