/**
 * Property: a batch of flow versions holding one malformed record (any field of the wrong type or
 * value, a missing field, an unknown field, a value that is not JSON data, a record that is not a
 * plain object), anywhere in the batch, is refused by `saveFlowVersions` with `INVALID_ARGUMENT`
 * naming the record and the field, and nothing of the batch is written: on the memory store and on
 * a real SQLite file.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import type { FlowVersionRecord, PersistenceAdapter } from '../../src/persistence/adapter.js';
import { MemoryAdapter } from '../../src/persistence/memory-adapter.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import { tempDirs } from './sqlite/helpers.js';

type Rec = Record<string, unknown>;

const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\0\uD800-\uDFFF]/.test(s));
const time = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
/** Plain JSON the store accepts: no `__proto__` key (refused as a prototype-pollution vector). */
const storable = (value: unknown): boolean => !JSON.stringify(value).includes('"__proto__"');
const good: Arbitrary<FlowVersionRecord> = fc.record(
  {
    name,
    version: fc.integer({ min: 1, max: 1_000_000 }),
    stage: fc.constantFrom('development', 'production', 'retired'),
    definition: fc.record({
      name,
      stages: fc.array(fc.jsonValue({ maxDepth: 2 }).filter(storable), { maxLength: 3 }),
    }),
    createdAt: time,
    deployedAt: time,
    patches: fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== null && storable(v)),
  },
  { requiredKeys: ['name', 'version', 'stage', 'definition', 'createdAt'] },
) as Arbitrary<FlowVersionRecord>;

const cyclic = (): Rec => {
  const value: Rec = { a: 1 };
  value.self = value;
  return value;
};
const notJson = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  10n,
  () => 1,
  Symbol('s'),
  new Map(),
  cyclic(),
  { nested: [1, undefined] },
  { bad: 'nul \u0000 inside' },
  { bad: 'lone \uD800 surrogate' },
);
const wrongScalar = fc.constantFrom<unknown>(null, true, 1, 'text', [], {});
const badTime = fc.constantFrom<unknown>(
  '',
  'yesterday',
  '2024-05-01',
  '2024-13-01T00:00:00Z',
  12,
  null,
  {},
);

/** One damage: the field it concerns (`''` for the record as a whole) and the damaged record. */
interface Damage {
  readonly field: string;
  readonly apply: (record: FlowVersionRecord) => unknown;
}

const set = (field: string, values: Arbitrary<unknown>): Arbitrary<Damage> =>
  values.map((value) => ({ field, apply: (r) => ({ ...r, [field]: value }) }));
const drop = (field: string): Damage => ({
  field,
  apply: (r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== field)),
});

const damage: Arbitrary<Damage> = fc.oneof(
  set('name', fc.oneof(fc.constantFrom<unknown>('', 'a\u0000b', '\uDC00', null, 7, []))),
  fc.constant(drop('name')),
  set(
    'version',
    fc.oneof(
      fc.integer({ max: 0 }),
      fc.double().filter((n) => !Number.isSafeInteger(n)),
      fc.constantFrom<unknown>('1', null, 2 ** 53, []),
    ),
  ),
  fc.constant(drop('version')),
  set(
    'stage',
    fc.oneof(
      fc.string().filter((s) => !['development', 'production', 'retired'].includes(s)),
      wrongScalar,
    ),
  ),
  fc.constant(drop('stage')),
  set('definition', fc.oneof(fc.constantFrom<unknown>(null, [], 'text', 1, true), notJson)),
  fc.constant(drop('definition')),
  set('createdAt', badTime),
  fc.constant(drop('createdAt')),
  set('deployedAt', badTime),
  set('patches', notJson),
  set('invalid', fc.constant({ code: 'STORAGE_ERROR', message: 'damaged' })),
  fc
    .string({ minLength: 1, maxLength: 8 })
    .filter(
      (k) =>
        ![
          'name',
          'version',
          'stage',
          'definition',
          'createdAt',
          'deployedAt',
          'patches',
          'invalid',
          '__proto__',
        ].includes(k),
    )
    .map((k) => ({ field: k, apply: (r: FlowVersionRecord) => ({ ...r, [k]: 1 }) })),
  fc
    .constantFrom<unknown>(null, undefined, 1, 'record', [], new Map(), new Date())
    .map((value) => ({
      field: '',
      apply: () => value,
    })),
);

const dirs = tempDirs();

describe.each(['memory', 'sqlite'] as const)('malformed flow versions on the %s store', (kind) => {
  let adapter: PersistenceAdapter;
  beforeAll(async () => {
    adapter =
      kind === 'memory'
        ? new MemoryAdapter()
        : new SqliteAdapter({ filename: join(dirs.make(), 'flows.db') });
    await adapter.start();
    await adapter.saveFlowVersions?.([
      {
        name: 'kept',
        version: 1,
        stage: 'production',
        definition: { name: 'kept' },
        createdAt: '2024-01-01T00:00:00Z',
      },
    ]);
  });
  afterAll(async () => {
    await adapter.close();
    dirs.removeAll();
  });

  it('a batch with one malformed record is refused with INVALID_ARGUMENT and writes nothing', async () => {
    const before = await adapter.findFlowVersions?.();
    expect(before).toHaveLength(1);
    await fc.assert(
      fc.asyncProperty(
        fc.array(good, { maxLength: 4 }),
        good,
        damage,
        fc.nat(),
        async (others, victim, { field, apply }, at) => {
          const batch: unknown[] = [...others];
          const position = at % (others.length + 1);
          batch.splice(position, 0, apply(victim));
          let error: unknown;
          try {
            await adapter.saveFlowVersions?.(batch as FlowVersionRecord[]);
          } catch (caught) {
            error = caught;
          }
          expect(error, `${field || 'the record'}: must reject`).toBeInstanceOf(FlowlineError);
          const { code, message } = error as FlowlineError;
          expect(code).toBe('INVALID_ARGUMENT');
          expect(message).toContain(`record ${position + 1}`);
          if (field !== '') expect(message).toContain(field);
          expect(await adapter.findFlowVersions?.(), 'nothing of the batch was written').toEqual(
            before,
          );
        },
      ),
      { numRuns: kind === 'memory' ? 1000 : 300 },
    );
  });

  it('a batch that is not a list is refused with INVALID_ARGUMENT', async () => {
    for (const batch of [null, undefined, {}, 'x']) {
      await expect(adapter.saveFlowVersions?.(batch as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
  });
});
