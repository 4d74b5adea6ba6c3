/**
 * Flow versions as stored: rows damaged behind the adapter's back (SQL on a real SQLite file, SQL
 * on the embedded PostgreSQL server) are listed marked `invalid` (`STORAGE_ERROR`, naming the
 * field) and never fail the list; the retry wrapper forwards the optional methods only when the
 * wrapped adapter has them, and retries their transient failures.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

  const db = useTestDatabase();

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
