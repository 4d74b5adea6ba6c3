/**
 * `Remap Fields`: keep, rename, fields (JSONata), constants and drop, applied in that order; bad
 * or runaway expressions end in `EXPRESSION_FAILED`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RemapFields } from '../../../src/flows/index.js';
import { runStageAction, stageData } from './stage-harness.js';

const contact = {
  name: 'ada',
  company_name: 'Acme',
  contact: { email: 'ada@acme.test' },
  internal_id: 7,
};

describe('Remap Fields', () => {
  it('builds a new object from picked and computed fields', async () => {
    const run = await runStageAction(
      RemapFields,
      {
        fields: {
          email: 'contact.email',
          name: '$uppercase(name)',
          domain: '$substringAfter(contact.email, "@")',
        },
      },
      contact,
    );
    expect(run.output).toEqual({
      value: { email: 'ada@acme.test', name: 'ADA', domain: 'acme.test' },
    });
  });

  it('applies keep, rename, fields, constants, then drop', async () => {
    const run = await runStageAction(
      RemapFields,
      {
        keep: true,
        rename: { company_name: 'company' },
        fields: { email: 'contact.email', source: '"computed"' },
        constants: { source: 'hubspot', tags: ['lead'] },
        drop: ['internal_id', 'contact'],
      },
      contact,
    );
    expect(run.output).toEqual({
      value: {
        name: 'ada',
        company: 'Acme',
        email: 'ada@acme.test',
        source: 'hubspot',
        tags: ['lead'],
      },
    });
  });

  it('leaves out fields whose expression selects nothing', async () => {
    const run = await runStageAction(
      RemapFields,
      { keep: true, fields: { name: 'missing.path', phone: 'contact.phone' } },
      { name: 'ada' },
    );
    expect(run.output).toEqual({ value: {} });
  });

  it('turns JSONata sequences and functions into plain JSON', async () => {
    const run = await runStageAction(
      RemapFields,
      {
        fields: { emails: 'people.email', fn: 'function($x){ $x }', nested: '{ "f": $uppercase }' },
      },
      { people: [{ email: 'a' }, { email: 'b' }] },
    );
    expect(run.output).toEqual({ value: { emails: ['a', 'b'], nested: {} } });
  });

  it('never sets the prototype from a __proto__ field an expression builds', async () => {
    const run = await runStageAction(
      RemapFields,
      { fields: { x: '{ "__proto__": { "polluted": true } }' } },
      {},
    );
    // The engine refuses an own __proto__ key in stored data: a FlowlineError, nothing polluted.
    expect(run.error?.code).toBe('UNSERIALIZABLE_VALUE');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses keep with data that is not an object', async () => {
    const run = await runStageAction(RemapFields, { keep: true }, [1, 2]);
    expect(run.error?.code).toBe('INVALID_ARGUMENT');
    expect(run.error?.message).toContain('got a list');
  });

  it('fails with EXPRESSION_FAILED naming the field, the stage and the position', async () => {
    const run = await runStageAction(RemapFields, { fields: { total: 'price * ' } }, { price: 1 });
    expect(run.error?.code).toBe('EXPRESSION_FAILED');
    expect(run.error?.message).toMatch(
      /^stage "S": expression "price \* " in props\.fields\.total failed at position \d+/,
    );
  });

  it('fails with EXPRESSION_FAILED when an expression errs at run time', async () => {
    const run = await runStageAction(RemapFields, { fields: { x: '"a" + 1' } }, {});
    expect(run.error?.code).toBe('EXPRESSION_FAILED');
    expect(run.error?.message).toContain('JSONata T2001');
  });

  it('ends a runaway recursion with EXPRESSION_FAILED (depth bound)', async () => {
    const run = await runStageAction(
      RemapFields,
      { fields: { x: '( $f := function($x){ 1 + $f($x) }; $f(1) )' } },
      {},
    );
    expect(run.error?.code).toBe('EXPRESSION_FAILED');
    expect(run.error?.message).toContain('recursed deeper than');
  });

  it('ends a runaway tail-recursive loop with EXPRESSION_FAILED (time bound)', async () => {
    const run = await runStageAction(
      RemapFields,
      { fields: { x: '( $f := function($x){ $f($x) }; $f(1) )' }, timeoutMs: 20 },
      {},
    );
    expect(run.error?.code).toBe('EXPRESSION_FAILED');
    expect(run.error?.message).toContain('ran longer than 20 ms');
  });

  it('with random data and expressions, succeeds or fails with a FlowlineError only', async () => {
    const expressions = fc.oneof(
      fc.constantFrom('a', 'a.b', '$string($)', '$count($)', '$keys($)', '$sum(a)', '$[0]', '**'),
      fc.string({ maxLength: 12 }),
    );
    await fc.assert(
      fc.asyncProperty(
        stageData(),
        fc.dictionary(fc.string({ maxLength: 6 }), expressions, { maxKeys: 3 }),
        fc.boolean(),
        async (data, fields, keep) => {
          // runStageAction throws when the stage fails with anything but a FlowlineError.
          const run = await runStageAction(RemapFields, { fields, keep, timeoutMs: 200 }, data);
          if (run.kind === 'success')
            expect(JSON.parse(JSON.stringify(run.output))).toEqual(run.output);
        },
      ),
      { numRuns: 150 },
    );
  });
});
