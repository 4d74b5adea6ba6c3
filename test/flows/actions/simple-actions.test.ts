/**
 * The packaged stage actions without side effects: `Manual Trigger`, `Log`, `Filter`, `Batch`.
 */
import { describe, expect, it } from 'vitest';
import { Batch, Filter, LogStage, ManualTrigger } from '../../../src/flows/index.js';
import { factsOf, runStageAction } from './stage-harness.js';

describe('Manual Trigger', () => {
  it('outputs the run input unchanged', async () => {
    const run = await runStageAction(ManualTrigger, {}, { email: 'a@b.c', n: [1, 2] });
    expect(run.kind).toBe('success');
    expect(run.output).toEqual({ value: { email: 'a@b.c', n: [1, 2] } });
  });
});

describe('Log', () => {
  it('writes the message at its level with the data as meta, and passes the data on', async () => {
    const run = await runStageAction(LogStage, { level: 'warn', message: 'big order' }, { n: 1 });
    expect(run.output).toEqual({ value: { n: 1 } });
    expect(run.log).toEqual([
      expect.objectContaining({ level: 'warn', message: 'big order', meta: { n: 1 } }),
    ]);
  });

  it('defaults to info and leaves the data out with data: false', async () => {
    const run = await runStageAction(LogStage, { data: false }, 'x');
    expect(run.output).toEqual({ value: 'x' });
    expect(run.log).toHaveLength(1);
    expect(run.log[0]).toMatchObject({ level: 'info', message: 'data' });
    expect(run.log[0]?.meta).toBeUndefined();
  });
});

describe('Filter', () => {
  it('passes the data through when the condition holds', async () => {
    const run = await runStageAction(Filter, { condition: 'amount >= 100' }, { amount: 150 });
    expect(run.kind).toBe('success');
    expect(run.output).toEqual({ value: { amount: 150 } });
  });

  it('ends the branch naming the condition when it does not hold', async () => {
    const run = await runStageAction(Filter, { condition: 'amount >= 100' }, { amount: 5 });
    expect(run.kind).toBe('success');
    expect(run.output.value).toBeUndefined();
    expect(run.output.skipped).toContain('stage "S" ended this branch');
    expect(run.output.skipped).toContain('"amount >= 100" is false');
  });

  it.each([
    ['missing', {}],
    ['empty list', { x: [] }],
    ['empty string', { x: '' }],
    ['zero', { x: 0 }],
  ])('treats %s as false', async (_name, data) => {
    const run = await runStageAction(Filter, { condition: 'x' }, data);
    expect(run.output.skipped).toBeDefined();
  });

  it('fails with EXPRESSION_FAILED naming the stage and position for a bad condition', async () => {
    const run = await runStageAction(Filter, { condition: 'amount >= ' }, { amount: 5 });
    expect(run.kind).toBe('error');
    expect(run.error?.code).toBe('EXPRESSION_FAILED');
    expect(run.error?.message).toMatch(/stage "S".*"amount >= ".*props\.condition.*position \d+/);
    expect(run.error?.retryable).toBe(false);
  });
});

describe('Batch', () => {
  it('splits the data into chunks of size, the last one shorter', async () => {
    const run = await runStageAction(Batch, { size: 2 }, [1, 2, 3, 4, 5]);
    expect(run.output).toEqual({ value: [[1, 2], [3, 4], [5]] });
  });

  it('picks the list with an items expression', async () => {
    const run = await runStageAction(Batch, { size: 3, items: 'orders' }, { orders: ['a', 'b'] });
    expect(run.output).toEqual({ value: [['a', 'b']] });
  });

  it('outputs no chunks for an empty list', async () => {
    const run = await runStageAction(Batch, { size: 3 }, []);
    expect(run.output).toEqual({ value: [] });
  });

  it('refuses data that is not a list with INVALID_ARGUMENT, not retryable', async () => {
    const run = await runStageAction(Batch, { size: 3, items: 'orders' }, { orders: 'x' });
    expect(run.error?.code).toBe('INVALID_ARGUMENT');
    expect(run.error?.message).toContain(
      'stage "S" (Batch): items "orders" must be a list, got a string',
    );
    expect(factsOf(run.error).retryable).toBe(false);
  });

  it('refuses a size below 1 (props the schema would refuse)', async () => {
    const run = await runStageAction(Batch, { size: 0 }, [1]);
    expect(run.error?.code).toBe('INVALID_ARGUMENT');
  });
});

describe('props that do not match the schema', () => {
  it('fail the stage with INVALID_ARGUMENT naming each mismatch, not retryable', async () => {
    const run = await runStageAction(LogStage, { level: 'loud', extra: 1 }, null);
    expect(run.error?.code).toBe('INVALID_ARGUMENT');
    expect(run.error?.message).toContain('stage "S" (Log): props do not match the schema');
    expect(run.error?.message).toContain('level must be equal to one of the allowed values');
    expect(run.error?.message).toContain('must NOT have additional properties ("extra")');
    expect(factsOf(run.error).retryable).toBe(false);
    expect(factsOf(run.error).issues).toContainEqual({
      path: ['level'],
      message: 'must be equal to one of the allowed values',
    });
    expect(run.log).toEqual([]);
  });
});
