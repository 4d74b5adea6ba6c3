/**
 * The command on a PostgreSQL store (`--store postgres://… --schema …`): reading and resuming
 * plans, and the store errors: a schema without Flowline's tables (never created), a refused
 * login, no server.
 */
import { createServer } from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionPlan } from '../../src/index.js';
import { World, silentLogger } from '../../src/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import type { PlanSummary } from '../../src/cli/commands/plans.js';
import { postgresServer, postgresUrl, useTestDatabase } from '../helpers/postgres.js';
import { Deploy, FlakyDeploy, fixtureActions } from './fixtures/actions.js';
import { ACTIONS_MODULE, parseJson, runCli, tempDir } from './helpers.js';

const db = useTestDatabase();
let schema: string;
let finished: ExecutionPlan;
let paused: ExecutionPlan;

async function withWorld<T>(fn: (world: World) => Promise<T>): Promise<T> {
  const adapter = new PostgresAdapter({ connectionString: db.url, schema });
  const world = new World({ adapter, actions: fixtureActions, logger: silentLogger });
  await world.start();
  try {
    return await fn(world);
  } finally {
    await world.close();
  }
}

beforeAll(async () => {
  schema = db.freshSchema();
  await withWorld(async (world) => {
    finished = await world.trigger(Deploy).finished;
    paused = await world.trigger(FlakyDeploy, path.join(tempDir(), 'marker')).finished;
  });
});

async function schemaExists(name: string): Promise<boolean> {
  const rows = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1',
    [name],
  );
  return rows[0]?.n === 1;
}

describe('flowline on PostgreSQL', () => {
  it('lists and shows the plans of a schema', async () => {
    const list = await runCli(['plans', '--store', db.url, '--schema', schema, '--json']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    expect(parseJson<PlanSummary[]>(list.stdout).map((plan) => [plan.id, plan.state])).toEqual([
      [paused.id, 'paused'],
      [finished.id, 'stopped'],
    ]);
    const show = await runCli([
      'show',
      finished.id,
      '--store',
      db.url,
      '--schema',
      schema,
      '--json',
    ]);
    expect(show.code).toBe(0);
    expect(parseJson<ExecutionPlan>(show.stdout)).toEqual(finished);
  });

  it('resumes a paused plan', async () => {
    const result = await runCli([
      'resume',
      paused.id,
      '--store',
      db.url,
      '--schema',
      schema,
      '--actions',
      ACTIONS_MODULE,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const plan = await withWorld((world) => world.executionPlan(paused.id));
    expect([plan?.state, plan?.result]).toEqual(['stopped', 'success']);
  });

  it('takes the store from FLOWLINE_STORE', async () => {
    const result = await runCli(['plans', '--schema', schema, '--json'], {
      FLOWLINE_STORE: db.url,
    });
    expect(result.code).toBe(0);
    expect(parseJson<PlanSummary[]>(result.stdout)).toHaveLength(2);
  });

  it('refuses a schema without Flowline tables and does not create it (exit 3)', async () => {
    const missing = db.freshSchema();
    const result = await runCli(['plans', '--store', db.url, '--schema', missing]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`schema "${missing}" of .* is not a Flowline store`));
    expect(await schemaExists(missing)).toBe(false);
    const defaulted = await runCli(['plans', '--store', db.url]);
    expect(defaulted.code).toBe(3);
    expect(defaulted.stderr).toMatch(/pass --schema if the store uses another schema/);
  });

  it('reports a refused login (exit 3) without the password', async () => {
    const url = postgresUrl(db.name, { password: 'not-the-password' });
    const result = await runCli(['plans', '--store', url, '--schema', schema]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(
      /^flowline: cannot connect to the PostgreSQL store .*refused the login/,
    );
    expect(result.stderr).not.toContain('not-the-password');
    expect(result.stderr).toContain(':***@');
  });

  it('reports a server that cannot be reached (exit 3)', async () => {
    const probe = createServer();
    const port = await new Promise<number>((resolve) => {
      probe.listen(0, '127.0.0.1', () => {
        const address = probe.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    await new Promise((resolve) => probe.close(resolve));
    const result = await runCli(['plans', '--store', postgresUrl(db.name, { port })]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/cannot reach the PostgreSQL server/);
    expect(result.stderr).not.toContain(postgresServer().password);
  });

  it('refuses a schema name that is not an identifier (exit 2)', async () => {
    const result = await runCli(['plans', '--store', db.url, '--schema', 'Not-A-Schema']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/option schema must be a lower-case SQL identifier/);
  });
});
