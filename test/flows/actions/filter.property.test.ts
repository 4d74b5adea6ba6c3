/**
 * `Filter` with random data and conditions: it passes the data on, ends the branch, or fails with
 * a `FlowlineError`; nothing else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Filter } from '../../../src/flows/index.js';
import { runStageAction, stageData } from './stage-harness.js';

describe('Filter with random input', () => {
  it('passes the data unchanged, skips, or fails with a FlowlineError', async () => {
    const conditions = fc.oneof(
      fc.constantFrom('a', 'a > 1', '$exists(b)', '$count($) > 2', 'a = "x" or b', '$not(a)'),
      fc.string({ maxLength: 16 }),
    );
    await fc.assert(
      fc.asyncProperty(stageData(), conditions, async (data, condition) => {
        const run = await runStageAction(Filter, { condition, timeoutMs: 200 }, data);
        if (run.kind === 'success' && run.output.skipped === undefined) {
          expect(run.output.value).toEqual(JSON.parse(JSON.stringify(data)));
        }
        if (run.kind === 'error') {
          // An empty condition is refused by the props schema; any other fails as an expression.
          expect(run.error?.code).toBe(condition === '' ? 'INVALID_ARGUMENT' : 'EXPRESSION_FAILED');
        }
      }),
      { numRuns: 200 },
    );
  });
});
