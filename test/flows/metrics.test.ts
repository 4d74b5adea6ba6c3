import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import { RunMetricsBook } from '../../src/flows/runtime/metrics.js';

/** The percentile a DDSketch estimates: the value at rank floor(q · (n − 1)) of the sorted list. */
function exact(durations: readonly number[], q: number): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

/** Durations from 1 µs to 10^9 ms (11 days), and exact zeros. */
const duration = fc.oneof(
  fc.constant(0),
  fc.double({ min: 1e-3, max: 1e9, noNaN: true }),
  fc.integer({ min: 1, max: 100_000 }),
);

function expectWithinOnePercent(estimate: number | undefined, value: number, what: string): void {
  expect(estimate, what).toBeDefined();
  expect(
    Math.abs((estimate as number) - value),
    `${what}: ${estimate} must be within 1% of the exact ${value}`,
  ).toBeLessThanOrEqual(value * 0.01 * (1 + 1e-9));
}

describe('RunMetricsBook', () => {
  it('a flow with nothing recorded has no runs and undefined percentiles', () => {
    const book = new RunMetricsBook();
    expect(book.metrics('Publish')).toEqual({
      runs: 0,
      failures: 0,
      durationMs: { p50: undefined, p95: undefined, p99: undefined },
      stages: {},
    });
  });

  it('percentiles are within 1% of the exact ones (property)', () => {
    fc.assert(
      fc.property(fc.array(duration, { minLength: 1, maxLength: 400 }), (durations) => {
        const book = new RunMetricsBook();
        for (const d of durations) book.recordRun('f', d, false);
        const { durationMs, runs } = book.metrics('f');
        expect(runs).toBe(durations.length);
        expectWithinOnePercent(durationMs.p50, exact(durations, 0.5), 'p50');
        expectWithinOnePercent(durationMs.p95, exact(durations, 0.95), 'p95');
        expectWithinOnePercent(durationMs.p99, exact(durations, 0.99), 'p99');
      }),
      { numRuns: 300 },
    );
  });

  it('counts failures, per flow and per stage', () => {
    const book = new RunMetricsBook();
    book.recordRun('f', 10, false);
    book.recordRun('f', 20, true);
    book.recordRun('f', 30, true);
    book.recordStage('f', 'Fetch', 5, true);
    book.recordStage('f', 'Fetch', 6, false);
    const metrics = book.metrics('f');
    expect(metrics.runs).toBe(3);
    expect(metrics.failures).toBe(2);
    expect(metrics.stages.Fetch?.runs).toBe(2);
    expect(metrics.stages.Fetch?.failures).toBe(1);
  });

  it('keeps stages and flows apart', () => {
    const book = new RunMetricsBook();
    for (let i = 0; i < 50; i++) {
      book.recordStage('f', 'Fast', 1, false);
      book.recordStage('f', 'Slow', 1000, false);
      book.recordStage('g', 'Fast', 500, false);
    }
    const f = book.metrics('f');
    expectWithinOnePercent(f.stages.Fast?.durationMs.p99, 1, 'f.Fast p99');
    expectWithinOnePercent(f.stages.Slow?.durationMs.p50, 1000, 'f.Slow p50');
    expect(Object.keys(f.stages).sort()).toEqual(['Fast', 'Slow']);
    expect(f.runs, 'stage runs are not flow runs').toBe(0);
    expect(f.durationMs.p50).toBeUndefined();
    expectWithinOnePercent(book.metrics('g').stages.Fast?.durationMs.p50, 500, 'g.Fast p50');
    // A stage named like an Object.prototype member is an ordinary stage.
    book.recordStage('h', '__proto__', 7, false);
    expect(Object.keys(book.metrics('h').stages)).toEqual(['__proto__']);
  });

  it('merging books equals recording everything in one (property)', () => {
    const entry = fc.record({
      flow: fc.constantFrom('a', 'b'),
      stage: fc.option(fc.constantFrom('S1', 'S2'), { nil: undefined }),
      duration,
      failed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(entry), fc.array(entry), (left, right) => {
        const one = new RunMetricsBook();
        const [l, r] = [new RunMetricsBook(), new RunMetricsBook()];
        const record = (book: RunMetricsBook, e: (typeof left)[number]): void => {
          if (e.stage === undefined) book.recordRun(e.flow, e.duration, e.failed);
          else book.recordStage(e.flow, e.stage, e.duration, e.failed);
        };
        for (const e of left) record(one, e);
        for (const e of right) record(one, e);
        for (const e of left) record(l, e);
        for (const e of right) record(r, e);
        const rightBefore = [r.metrics('a'), r.metrics('b')];
        l.merge(r);
        expect([l.metrics('a'), l.metrics('b')]).toEqual([one.metrics('a'), one.metrics('b')]);
        expect([r.metrics('a'), r.metrics('b')], 'the merged book is unchanged').toEqual(
          rightBefore,
        );
        // The books share nothing after the merge.
        l.recordStage('a', 'S1', 123, true);
        expect([r.metrics('a'), r.metrics('b')]).toEqual(rightBefore);
      }),
      { numRuns: 200 },
    );
  });

  it('reset forgets one flow, or all of them', () => {
    const book = new RunMetricsBook();
    book.recordRun('a', 1, false);
    book.recordRun('b', 2, false);
    book.reset('a');
    expect(book.metrics('a').runs).toBe(0);
    expect(book.metrics('b').runs).toBe(1);
    book.reset();
    expect(book.metrics('b').runs).toBe(0);
  });

  it('high percentiles stay accurate when durations span a huge range (bounded sketch)', () => {
    const book = new RunMetricsBook();
    // Tiny durations far below the others, enough to force the lowest bins to collapse.
    for (let i = 0; i < 100; i++) book.recordRun('f', 1e-200 * (i + 1), false);
    const high: number[] = [];
    for (let i = 0; i < 10_000; i++) high.push(1 + ((i * 7919) % 10_000));
    for (const d of high) book.recordRun('f', d, false);
    const all = [...Array.from({ length: 100 }, (_, i) => 1e-200 * (i + 1)), ...high];
    expectWithinOnePercent(book.metrics('f').durationMs.p99, exact(all, 0.99), 'p99');
    expectWithinOnePercent(book.metrics('f').durationMs.p50, exact(all, 0.5), 'p50');
  });

  it('refuses bad arguments with INVALID_ARGUMENT and records nothing (property)', () => {
    const badDuration = fc.oneof(
      fc.constant(Number.NaN),
      fc.constant(Number.POSITIVE_INFINITY),
      fc.constant(Number.NEGATIVE_INFINITY),
      fc.double({ max: -Number.MIN_VALUE, noNaN: true }),
      fc.constant('12'),
      fc.constant(null),
      fc.constant(undefined as unknown),
    );
    const badName = fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.constant({}));
    const call = fc.oneof(
      badDuration.map((d) => ({
        run: true,
        flow: 'f',
        stage: 's',
        d,
        failed: false,
      })),
      badDuration.map((d) => ({
        run: false,
        flow: 'f',
        stage: 's',
        d,
        failed: false,
      })),
      badName.map((flow) => ({
        run: true,
        flow,
        stage: 's',
        d: 1,
        failed: false,
      })),
      badName.map((stage) => ({
        run: false,
        flow: 'f',
        stage,
        d: 1,
        failed: false,
      })),
      fc.oneof(fc.constant(1), fc.constant('yes'), fc.constant(null)).map((failed) => ({
        run: false,
        flow: 'f',
        stage: 's',
        d: 1,
        failed: failed,
      })),
    );
    fc.assert(
      fc.property(call, (c) => {
        const book = new RunMetricsBook();
        const act = (): void =>
          c.run
            ? book.recordRun(c.flow as string, c.d as number, c.failed as boolean)
            : book.recordStage(
                c.flow as string,
                c.stage as string,
                c.d as number,
                c.failed as boolean,
              );
        let error: unknown;
        try {
          act();
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(FlowlineError);
        expect((error as FlowlineError).code).toBe('INVALID_ARGUMENT');
        expect(book.metrics('f')).toEqual(new RunMetricsBook().metrics('f'));
      }),
      { numRuns: 300 },
    );
  });
});
