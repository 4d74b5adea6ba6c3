import { expect } from '../vitest.js';
import type {
  FlowVersionRecord,
  PersistenceAdapter,
  FlowVersionFilter,
} from '../../persistence/adapter.js';
import type { JsonObject } from '../../plan/records.js';
import type { ConformanceHarness, OptionalMethod } from './harness.js';
import { expectInvalidArgument, rejectionOf } from './harness.js';

const REQUIRES: readonly OptionalMethod[] = ['saveFlowVersions', 'findFlowVersions'];
const T = '2024-05-01T10:00:00.000Z';

/** A flow version with a small definition; `extra` overrides fields. */
function version(
  name: string,
  number: number,
  extra: Partial<FlowVersionRecord> = {},
): FlowVersionRecord {
  return {
    name,
    version: number,
    stage: 'development',
    definition: { name, stages: [{ name: 'Start', action: 'Manual Trigger', props: {}, out: [] }] },
    createdAt: T,
    ...extra,
  };
}

/** The adapter's optional methods, which the group's tests only run with (see `requires`). */
interface FlowStore {
  readonly save: (records: readonly FlowVersionRecord[]) => Promise<void>;
  readonly find: (filter?: FlowVersionFilter) => Promise<FlowVersionRecord[]>;
}

function flows(adapter: PersistenceAdapter): FlowStore {
  const missing = (): never => {
    throw new Error('conformance suite: the adapter has no flow-version methods');
  };
  return {
    save: (records) => adapter.saveFlowVersions?.(records) ?? missing(),
    find: (filter) => adapter.findFlowVersions?.(filter) ?? missing(),
  };
}

const keys = (records: readonly FlowVersionRecord[]): string[] =>
  records.map((r) => `${r.name}@${r.version}`);

/** Records `saveFlowVersions` must refuse, each with the field its message must name. */
const BAD_RECORDS: readonly [string, string, unknown][] = [
  ['an empty name', 'name', { ...version('f', 1), name: '' }],
  ['a name that is not a string', 'name', { ...version('f', 1), name: 7 }],
  ['version 0', 'version', version('f', 0)],
  ['a fractional version', 'version', version('f', 1.5)],
  ['a version given as text', 'version', { ...version('f', 1), version: '1' }],
  ['an unknown stage', 'stage', { ...version('f', 1), stage: 'live' }],
  ['a definition that is a list', 'definition', { ...version('f', 1), definition: [] }],
  ['a definition that is null', 'definition', { ...version('f', 1), definition: null }],
  ['a definition holding NaN', 'definition', version('f', 1, { definition: { n: NaN } })],
  ['a definition holding a function', 'definition', { ...version('f', 1), definition: { f() {} } }],
  ['a createdAt that is no time', 'createdAt', { ...version('f', 1), createdAt: 'yesterday' }],
  ['a missing createdAt', 'createdAt', { ...version('f', 1), createdAt: undefined }],
  ['a deployedAt that is no time', 'deployedAt', version('f', 1, { deployedAt: '2024-13-45' })],
  ['patches holding a bigint', 'patches', { ...version('f', 1), patches: [1n] }],
];

/**
 * Registers the `flowVersions` group (the optional `saveFlowVersions` and `findFlowVersions`) and a
 * `durability` test of flow versions. Each test is skipped, with a note, when the adapter lacks the
 * methods.
 */
export function registerFlowVersionTests(harness: ConformanceHarness): void {
  harness.group(
    'flowVersions',
    'flow versions',
    (test) => {
      test('flow versions come back equal, as copies', async (adapter) => {
        const { save, find } = flows(adapter);
        expect(await find(), 'an empty store has no flow versions').toEqual([]);
        const saved = [
          version('Publish', 1, { stage: 'retired', deployedAt: T, patches: [{ op: 'add' }] }),
          version('Publish', 2, { stage: 'production', deployedAt: '2024-05-02T00:00:00Z' }),
        ];
        await save(saved);
        const found = await find();
        expect(found, 'findFlowVersions returns what was saved, deep-equal').toEqual(saved);
        expect(found[0], 'a copy, not the object given').not.toBe(saved[0]);
        (saved[0]?.definition as { name: string }).name = 'changed after save';
        (found[1]?.definition as { name: string }).name = 'changed after find';
        expect(await find(), 'the store kept its own copies').toEqual([
          version('Publish', 1, { stage: 'retired', deployedAt: T, patches: [{ op: 'add' }] }),
          version('Publish', 2, { stage: 'production', deployedAt: '2024-05-02T00:00:00Z' }),
        ]);
      });

      test('saveFlowVersions replaces the version with the same name and number', async (adapter) => {
        const { save, find } = flows(adapter);
        await save([version('f', 1, { deployedAt: T, patches: { a: 1 } }), version('f', 2)]);
        const replacement = version('f', 1, { stage: 'production', definition: { name: 'f' } });
        await save([replacement]);
        expect(await find(), 'f@1 replaced whole (no deployedAt, no patches left)').toEqual([
          replacement,
          version('f', 2),
        ]);
        await save([
          version('f', 2, { stage: 'retired' }),
          version('f', 2, { stage: 'production' }),
        ]);
        expect((await find({ name: 'f' }))[1]?.stage, 'the last of a batch wins').toBe(
          'production',
        );
      });

      test('saveFlowVersions with one bad record writes nothing of the batch', async (adapter) => {
        const { save, find } = flows(adapter);
        await save([version('kept', 1)]);
        const error = await rejectionOf('saveFlowVersions with a bad second record', () =>
          save([
            version('kept', 1, { stage: 'production' }),
            { ...version('new', 1), stage: 'bogus' } as never,
            version('new', 2),
          ]),
        );
        expectInvalidArgument(error, 'stage', 'saveFlowVersions with a bad record');
        expect(await find(), 'nothing of the batch was written').toEqual([version('kept', 1)]);
      });

      test('saveFlowVersions refuses records that are not flow versions', async (adapter) => {
        const { save, find } = flows(adapter);
        for (const [what, field, record] of BAD_RECORDS) {
          const error = await rejectionOf(`saveFlowVersions with ${what}`, () =>
            save([record as FlowVersionRecord]),
          );
          expectInvalidArgument(error, field, `saveFlowVersions with ${what}`);
        }
        const marked = version('f', 1, { invalid: { code: 'STORAGE_ERROR', message: 'damaged' } });
        const error = await rejectionOf('saveFlowVersions with a record marked invalid', () =>
          save([marked]),
        );
        expectInvalidArgument(error, 'invalid', 'saveFlowVersions with a record marked invalid');
        expect(await find(), 'nothing was written').toEqual([]);
      });

      test('findFlowVersions orders by name (code points), then version', async (adapter) => {
        const { save, find } = flows(adapter);
        // Versions 10 and 2 sort as numbers; U+FF21 sorts before an emoji by code point (not by
        // UTF-16 unit, where the emoji's surrogate would come first).
        const names = ['b', '😀', 'a', 'Ａ', 'B', 'é'];
        await save(names.flatMap((name) => [10, 2, 1].map((n) => version(name, n))));
        const expected = ['B', 'a', 'b', 'é', 'Ａ', '😀'].flatMap((name) =>
          [1, 2, 10].map((n) => `${name}@${n}`),
        );
        expect(keys(await find())).toEqual(expected);
      });

      test('findFlowVersions filters by name and by stage', async (adapter) => {
        const { save, find } = flows(adapter);
        await save([
          version('a', 1, { stage: 'retired' }),
          version('a', 2, { stage: 'production' }),
          version('a', 3),
          version('b', 1, { stage: 'production' }),
          version('ab', 1),
        ]);
        expect(keys(await find({ name: 'a' }))).toEqual(['a@1', 'a@2', 'a@3']);
        expect(keys(await find({ stage: 'production' }))).toEqual(['a@2', 'b@1']);
        expect(keys(await find({ name: 'a', stage: 'development' }))).toEqual(['a@3']);
        expect(await find({ name: 'A' }), 'names are case-sensitive').toEqual([]);
        expect(await find({}), 'an empty filter lists everything').toHaveLength(5);
        const error = await rejectionOf('findFlowVersions with an unknown stage', () =>
          find({ stage: 'live' as never }),
        );
        expectInvalidArgument(error, 'stage', 'findFlowVersions with an unknown stage');
      });

      test('versions of several flows are kept apart', async (adapter) => {
        const { save, find } = flows(adapter);
        await save([version('one', 1), version('two', 1, { stage: 'production' })]);
        await save([version('one', 2), version('three', 1)]);
        expect(keys(await find())).toEqual(['one@1', 'one@2', 'three@1', 'two@1']);
        expect((await find({ name: 'two' }))[0]?.stage).toBe('production');
        expect((await find({ name: 'one' }))[0]?.stage).toBe('development');
      });

      test('a definition keeps unicode text and nested JSON', async (adapter) => {
        const { save, find } = flows(adapter);
        let deep: JsonObject = { leaf: ['end', 0, false, null] };
        for (let i = 0; i < 40; i++) deep = { [`level ${i}`]: deep, list: [[], {}] };
        const definition = {
          name: 'Zoë → 東京 🚀',
          stages: [{ name: 'Ünïcödé "quoted" \\ \n\t', action: 'Log', props: { deep }, out: [] }],
          numbers: [0, -1, 0.1, 1e21, 9007199254740991, -2.5e-7],
          'key with spaces & ✓': { '': 'empty key', emoji: '👩‍👩‍👧' },
        };
        const record = version('Zoë → 東京 🚀', 1, { definition, patches: [{ path: ['é'] }] });
        await save([record]);
        expect(await find({ name: 'Zoë → 東京 🚀' })).toEqual([record]);
      });
    },
    REQUIRES,
  );

  harness.group(
    'durability',
    'durability of flow versions',
    (test) => {
      test('flow versions survive close and reopen', async (first) => {
        const saved = [
          version('f', 1, { stage: 'retired', deployedAt: T }),
          version('f', 2, { stage: 'production', deployedAt: T, patches: [1, [2]] }),
          version('g', 1),
        ];
        await flows(first).save(saved);
        const adapter = await harness.reopen();
        expect(await flows(adapter).find()).toEqual(saved);
      });
    },
    REQUIRES,
  );
}
