/**
 * Flow versions as stored: rows damaged behind the adapter's back (SQL on a real SQLite file, SQL
 * on the embedded PostgreSQL server) are listed marked `invalid` (`STORAGE_ERROR`, naming the
 * field) and never fail the list; the retry wrapper forwards the optional methods only when the
 * wrapped adapter has them, and retries their transient failures.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import type { FlowVersionRecord, PersistenceAdapter } from '../../src/persistence/adapter.js';
import { MemoryAdapter } from '../../src/persistence/memory-adapter.js';
import { withStorageRetries } from '../../src/persistence/resilient-adapter.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';
import type { Clock } from '../../src/shared/clock.js';
import { useTestDatabase } from '../helpers/postgres.js';
import { recordingLogger } from '../helpers/world.js';
import { tempDirs } from './sqlite/helpers.js';

// One throwaway PostgreSQL database for this file, one fresh schema per adapter.
const db = useTestDatabase();
const T = '2024-05-01T00:00:00.000Z';
const good: FlowVersionRecord = {
  name: 'good',
  version: 1,
  stage: 'production',
  definition: { name: 'good', stages: [] },
  createdAt: T,
};

/** Damaged rows: [name, version, stage, definition, created_at, deployed_at, patches], the field. */
type RawRow = [unknown, unknown, unknown, unknown, unknown, unknown, unknown];

function expectListed(found: FlowVersionRecord[], damaged: readonly [string, string][]): void {
  expect(
    found.filter((r) => r.invalid === undefined),
    'the good version, intact',
  ).toEqual([good]);
  for (const [name, field] of damaged) {
    const record = found.find((r) => r.name === name);
    expect(record, `the damaged row ${name} is listed`).toBeDefined();
    expect(record?.invalid?.code, `${name}: marked invalid`).toBe('STORAGE_ERROR');
    expect(record?.invalid?.message, `${name}: the message names ${field}`).toContain(field);
    expect(record?.stage, `${name}: placeholder stage`).toBe('retired');
    expect(record?.definition).toEqual({});
  }
}

describe('damaged flow-version rows', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.removeAll());

  it('SQLite: each damaged row is listed marked invalid; the list never rejects', async () => {
    const filename = join(dirs.make(), 'flows.db');
    const adapter = new SqliteAdapter({ filename });
    await adapter.start();
    try {
      await adapter.saveFlowVersions([good]);
      const rows: [RawRow, string][] = [
        [['cut', 1, 'development', '{"name": ', T, null, null], 'definition'],
        [['list', 1, 'development', '[1]', T, null, null], 'definition'],
        [['stage', 1, 'live', '{}', T, null, null], 'stage'],
        [['frac', 1.5, 'development', '{}', T, null, null], 'version'],
        [['text-version', 'x', 'development', '{}', T, null, null], 'version'],
        [['created', 1, 'development', '{}', 'yesterday', null, null], 'createdAt'],
        [['deployed', 1, 'development', '{}', T, 42, null], 'deployedAt'],
        [['patches', 1, 'development', '{}', T, null, '{bad'], 'patches'],
        [['', 1, 'development', '{}', T, null, null], 'name'],
      ];
      const raw = new Database(filename);
      const insert = raw.prepare('INSERT INTO flowline_flow_versions VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const [row] of rows) insert.run(...row);
      raw.close();
      const found = await adapter.findFlowVersions();
      expect(found).toHaveLength(rows.length + 1);
      expectListed(
        found,
        rows.map(([row, field]) => [row[0] as string, field]),
      );
      expect((await adapter.findFlowVersions({ name: 'stage' }))[0]?.invalid).toBeDefined();
    } finally {
      await adapter.close();
    }
  });

  it('PostgreSQL: each damaged row is listed marked invalid; the list never rejects', async () => {
    const adapter = db.freshAdapter();
    await adapter.start();
    await adapter.saveFlowVersions([good]);
    const table = `"${adapter.schema}".flow_versions`;
    const rows: [string, string][] = [
      [`('list', 1, 'development', '[1]', '${T}', NULL, NULL)`, 'definition'],
      [`('text', 1, 'development', '"a string"', '${T}', NULL, NULL)`, 'definition'],
      [`('stage', 1, 'live', '{}', '${T}', NULL, NULL)`, 'stage'],
      [`('huge', 1152921504606846976, 'development', '{}', '${T}', NULL, NULL)`, 'version'],
      [`('zero', 0, 'development', '{}', '${T}', NULL, NULL)`, 'version'],
      [`('created', 1, 'development', '{}', 'yesterday', NULL, NULL)`, 'createdAt'],
      [`('deployed', 1, 'development', '{}', '${T}', 'never', NULL)`, 'deployedAt'],
    ];
    for (const [values] of rows) await db.query(`INSERT INTO ${table} VALUES ${values}`);
    const found = await adapter.findFlowVersions();
    expect(found).toHaveLength(rows.length + 1);
    expectListed(
      found,
      rows.map(([values, field]) => [/^\('([^']*)'/.exec(values)?.[1] ?? '', field]),
    );
  });
});

/** The columns of a good row, in table order, for a version of flow `name`. */
const goodRow = (name: string): RawRow => [name, 1, 'development', '{"name":"x"}', T, null, null];
const COLUMN = ['name', 'version', 'stage', 'definition', 'createdAt', 'deployedAt', 'patches'];

/**
 * One column damaged with a value that is certainly wrong for it once stored (SQLite's column
 * affinities would turn some wrong values into right ones, e.g. the text '1' into the version 1:
 * those are left out).
 */
function damagedColumn(sqlite: boolean): Arbitrary<{ column: number; value: unknown }> {
  const pools: unknown[][] = [
    ['', ...(sqlite ? [Buffer.from('blob')] : [])],
    [0, -3, ...(sqlite ? [1.5, 'x'] : [])],
    ['live', 'Production', '', 'retired ', 3],
    sqlite
      ? ['{"name": ', '[1]', '"s"', '1', 'null', 'not json']
      : ['[1]', '"s"', '1', 'null', 'true'],
    ['yesterday', '', '2024-05-01', '2024-13-01T00:00:00Z', 12],
    ['never', '', '2024-05-01'],
    sqlite ? ['{bad', 'not json'] : [],
  ];
  return fc
    .integer({ min: 0, max: pools.length - 1 })
    .filter((column) => (pools[column]?.length ?? 0) > 0)
    .chain((column) =>
      fc.constantFrom(...(pools[column] as unknown[])).map((value) => ({ column, value })),
    );
}

describe('damaged flow-version rows (property)', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.removeAll());

  it.each(['sqlite', 'postgres'] as const)(
    '%s: a row with any one damaged column is listed marked invalid naming it',
    async (kind) => {
      const sqlitePath = join(dirs.make(), 'flows.db');
      const adapter =
        kind === 'sqlite' ? new SqliteAdapter({ filename: sqlitePath }) : db.freshAdapter();
      await adapter.start();
      const raw = kind === 'sqlite' ? new Database(sqlitePath) : undefined;
      const table =
        adapter instanceof SqliteAdapter
          ? 'flowline_flow_versions'
          : `"${adapter.schema}".flow_versions`;
      try {
        await adapter.saveFlowVersions([good]);
        let serial = 0;
        await fc.assert(
          fc.asyncProperty(damagedColumn(kind === 'sqlite'), async ({ column, value }) => {
            const row = goodRow(`damaged-${++serial}`);
            row[column] = value;
            if (raw !== undefined) {
              raw.prepare(`INSERT INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?)`).run(...row);
            } else {
              await db.query(
                `INSERT INTO ${table} VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb)`,
                row.map((v) => (typeof v === 'number' ? String(v) : v)),
              );
            }
            const found = await adapter.findFlowVersions();
            expect(found.filter((r) => r.invalid === undefined)).toEqual([good]);
            const damaged = found.filter((r) => r.invalid !== undefined);
            expect(damaged).toHaveLength(1);
            expect(damaged[0]?.invalid?.code).toBe('STORAGE_ERROR');
            expect(damaged[0]?.invalid?.message).toContain(COLUMN[column]);
            const wipe = `DELETE FROM ${table} WHERE name <> 'good'`;
            if (raw !== undefined) raw.exec(wipe);
            else await db.query(wipe);
          }),
          { numRuns: kind === 'sqlite' ? 150 : 60 },
        );
      } finally {
        raw?.close();
        await adapter.close();
      }
    },
  );
});

/** A clock whose timers fire on the next microtask: retries wait on the clock, not on real time. */
const instantClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn) => {
    queueMicrotask(fn);
    return undefined;
  },
  clearTimeout: () => {},
};

/** A memory store whose next `failures` flow-version calls fail as a busy database would. */
class FlakyFlows extends MemoryAdapter {
  calls = 0;
  constructor(private failures: number) {
    super();
  }
  #maybeFail(): void {
    this.calls++;
    if (this.failures-- > 0) {
      throw new FlowlineError('STORAGE_ERROR', 'database is locked', { retryable: true });
    }
  }
  override async saveFlowVersions(records: readonly FlowVersionRecord[]): Promise<void> {
    this.#maybeFail();
    return super.saveFlowVersions(records);
  }
  override async findFlowVersions(): Promise<FlowVersionRecord[]> {
    this.#maybeFail();
    return super.findFlowVersions();
  }
}

describe('the retry wrapper and flow versions', () => {
  it('retries transient failures of saveFlowVersions and findFlowVersions (both repeatable)', async () => {
    const inner = new FlakyFlows(2);
    const adapter = withStorageRetries(inner, instantClock, recordingLogger());
    await adapter.saveFlowVersions?.([good]);
    expect(inner.calls).toBe(3);
    const flaky = new FlakyFlows(0);
    await flaky.saveFlowVersions([good]);
    const reads = withStorageRetries(flaky, instantClock, recordingLogger());
    (flaky as unknown as { failures: number }).failures = 3;
    expect(await reads.findFlowVersions?.()).toEqual([good]);
  });

  it('does not claim the methods when the wrapped adapter lacks them', () => {
    const bare = new Proxy(new MemoryAdapter(), {
      get: (target, key) =>
        key === 'saveFlowVersions' || key === 'findFlowVersions'
          ? undefined
          : (Reflect.get(target, key) as unknown),
      has: (target, key) =>
        key !== 'saveFlowVersions' && key !== 'findFlowVersions' && Reflect.has(target, key),
    }) as PersistenceAdapter;
    const wrapped = withStorageRetries(bare, instantClock, recordingLogger());
    expect(typeof wrapped.saveFlowVersions).toBe('undefined');
    expect(typeof wrapped.findFlowVersions).toBe('undefined');
    expect('saveFlowVersions' in wrapped).toBe(false);
    const full = withStorageRetries(new MemoryAdapter(), instantClock, recordingLogger());
    expect(typeof full.saveFlowVersions).toBe('function');
  });
});
