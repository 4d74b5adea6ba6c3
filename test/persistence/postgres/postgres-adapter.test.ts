import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Action, World, silentLogger } from '../../../src/index.js';
import { LATEST_MIGRATION, migrations } from '../../../src/persistence/postgres/migrations.js';
import { PostgresAdapter } from '../../../src/persistence/postgres/index.js';
import type { PostgresAdapterOptions } from '../../../src/persistence/postgres/index.js';
import { fixtureBatch, makePlanFixture } from '../../../src/testing/index.js';
import { postgresUrl, useTestDatabase } from '../../helpers/postgres.js';
import { expectFlowlineError, rejectionOf, thrownBy } from '../../helpers/world.js';

const db = useTestDatabase();

describe('PostgresAdapter options', () => {
  const invalid: [string, unknown][] = [
    ['no options', undefined],
    ['neither connectionString nor pool', {}],
    ['an empty connectionString', { connectionString: ' ' }],
    ['both connectionString and pool', { connectionString: 'postgres://x', pool: new pg.Pool() }],
    ['a pool that is not a pg.Pool', { pool: {} }],
    ['an unknown option', { connectionString: 'postgres://x', schemaName: 'a' }],
    ['a schema with upper case and a dash', { connectionString: 'postgres://x', schema: 'My-S' }],
    ['a schema starting with pg_', { connectionString: 'postgres://x', schema: 'pg_flow' }],
    [
      'a schema longer than 63 characters',
      { connectionString: 'postgres://x', schema: 's'.repeat(64) },
    ],
    ['a schema that injects SQL', { connectionString: 'postgres://x', schema: 'a; DROP TABLE x' }],
    ['maxConnections 0', { connectionString: 'postgres://x', maxConnections: 0 }],
    ['connectionTimeoutMillis with a pool', { pool: new pg.Pool(), connectionTimeoutMillis: 5 }],
  ];
  it.each(invalid)('refuses %s with INVALID_ARGUMENT', (_, options) => {
    const error = thrownBy(() => new PostgresAdapter(options as PostgresAdapterOptions));
    expectFlowlineError(error, 'INVALID_ARGUMENT');
  });

  it('defaults the schema to flowline', () => {
    expect(new PostgresAdapter({ connectionString: 'postgres://x' }).schema).toBe('flowline');
  });
});

describe('PostgresAdapter connecting', () => {
  it('a wrong password makes start() reject with an authentication error', async () => {
    const adapter = db.track(
      new PostgresAdapter({ connectionString: postgresUrl(db.name, { password: 'wrong' }) }),
    );
    const error = expectFlowlineError(await rejectionOf(adapter.start()), 'STORAGE_ERROR');
    expect(error.message).toMatch(/authentication failed/);
    expect(error.message).toMatch(/start/);
    expect(error.retryable).toBe(false);
    expect(error.cause).toMatchObject({ code: '28P01' });
  });

  it('a port nobody listens on fails at once with a retryable error', async () => {
    const port = await withServer((server) => (server.address() as { port: number }).port);
    const url = postgresUrl(db.name, { port });
    const adapter = db.track(new PostgresAdapter({ connectionString: url }));
    const error = expectFlowlineError(await rejectionOf(adapter.start()), 'STORAGE_ERROR');
    expect(error.message).toMatch(/cannot reach the PostgreSQL server/);
    expect(error.retryable).toBe(true);
  });

  it('a server that never answers fails after connectionTimeoutMillis', async () => {
    await withServer(async (server) => {
      const { port } = server.address() as { port: number };
      const url = postgresUrl(db.name, { port });
      const adapter = db.track(
        new PostgresAdapter({ connectionString: url, connectionTimeoutMillis: 200 }),
      );
      const started = performance.now();
      const error = expectFlowlineError(await rejectionOf(adapter.start()), 'STORAGE_ERROR');
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(error.message).toMatch(/timeout/);
      expect(error.retryable).toBe(true);
    });
  });

  it('with { pool } the adapter never ends the pool', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      const adapter = new PostgresAdapter({ pool, schema: db.freshSchema() });
      await adapter.start();
      await adapter.write(fixtureBatch(makePlanFixture('p1')));
      await adapter.close();
      expect(pool.ended).toBe(false);
      const rows = await pool.query(`SELECT count(*)::int AS n FROM ${adapter.schema}.steps`);
      expect(rows.rows[0]).toEqual({ n: makePlanFixture('p1').steps.length });
    } finally {
      await pool.end();
    }
  });

  it('two adapters on one application pool (one connection, two schemas) keep apart', async () => {
    // Their statements are prepared on the same connection under names derived from the text.
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const first = new PostgresAdapter({ pool, schema: db.freshSchema() });
      const second = new PostgresAdapter({ pool, schema: db.freshSchema() });
      await first.start();
      await second.start();
      for (const [adapter, id] of [
        [first, 'a'],
        [second, 'b'],
        [first, 'c'],
      ] as const) {
        await adapter.write(fixtureBatch(makePlanFixture(id)));
      }
      expect((await first.findPlans()).map((plan) => plan.id).sort()).toEqual(['a', 'c']);
      expect((await second.findPlans()).map((plan) => plan.id)).toEqual(['b']);
      expect((await second.loadPlan('b'))?.steps).toHaveLength(makePlanFixture('b').steps.length);
      await first.close();
      await second.close();
    } finally {
      await pool.end();
    }
  });

  it('can be started again after close() and finds what it wrote', async () => {
    const adapter = db.freshAdapter();
    await adapter.start();
    await adapter.write(fixtureBatch(makePlanFixture('p1')));
    await adapter.close();
    await adapter.close();
    expectFlowlineError(await rejectionOf(adapter.findPlans()), 'STORAGE_ERROR');
    await adapter.start();
    expect(await adapter.loadPlan('p1')).toEqual(makePlanFixture('p1'));
  });

  it('wraps driver errors in a STORAGE_ERROR naming the operation, with the cause', async () => {
    const adapter = db.freshAdapter();
    await adapter.start();
    await db.query(`DROP SCHEMA ${adapter.schema} CASCADE`);
    const error = expectFlowlineError(await rejectionOf(adapter.findWorlds()), 'STORAGE_ERROR');
    expect(error.message).toMatch(/findWorlds failed/);
    expect(error.cause).toMatchObject({ code: '42P01' });
    expect(error.retryable).toBe(false);
  });
});

describe('PostgresAdapter migrations', () => {
  it('five adapters starting at once on a fresh schema all succeed, migrating once', async () => {
    const schema = db.freshSchema();
    const adapters = Array.from({ length: 5 }, () => db.freshAdapter(schema));
    await Promise.all(adapters.map((adapter) => adapter.start()));
    const rows = await db.query<{ version: number; n: number }>(
      `SELECT version, count(*)::int AS n FROM ${schema}.migrations GROUP BY version ORDER BY 1`,
    );
    // Every known migration once (versions come from parallel branches: not assumed contiguous).
    expect(rows).toEqual(migrations.map(({ version }) => ({ version, n: 1 })));
    await adapters[0]!.write(fixtureBatch(makePlanFixture('p1')));
    expect((await adapters[4]!.loadPlan('p1'))?.plan.id).toBe('p1');
  });

  it('refuses a schema migrated by a newer Flowline', async () => {
    const first = db.freshAdapter();
    await first.start();
    await first.close();
    await db.query(`INSERT INTO ${first.schema}.migrations (version, name) VALUES ($1, 'future')`, [
      LATEST_MIGRATION + 1,
    ]);
    const error = expectFlowlineError(
      await rejectionOf(db.freshAdapter(first.schema).start()),
      'STORAGE_ERROR',
    );
    expect(error.message).toContain(`version ${LATEST_MIGRATION + 1}`);
    expect(error.message).toMatch(/newer Flowline/);
  });
});

describe('PostgresAdapter stored records', () => {
  it.each([
    ['plan', 'plans', `'"not a plan"'`, /the plan record is "not a plan", not an object/],
    ['plan', 'plans', `data - 'state'`, /the plan record lacks state/],
    [
      'step',
      'steps',
      `jsonb_set(data, '{state}', '"sleeping"')`,
      /step \d+ has state "sleeping", not a step state/,
    ],
    ['action', 'actions', `data - 'input'`, /action \d+ lacks input/],
  ])(
    'a damaged %s row makes loadPlan throw INVALID_PLAN naming the plan',
    async (_, table, set, problem) => {
      const adapter = db.freshAdapter();
      await adapter.start();
      await adapter.write(fixtureBatch(makePlanFixture('p-damaged')));
      await db.query(`UPDATE ${adapter.schema}.${table} SET data = ${set}`);
      const error = expectFlowlineError(
        await rejectionOf(adapter.loadPlan('p-damaged')),
        'INVALID_PLAN',
      );
      expect(error.planId).toBe('p-damaged');
      expect(error.message).toContain('plan p-damaged');
      expect(error.message).toMatch(problem);
    },
  );

  it('two adapters (two pools) racing to claim one step: exactly one wins', async () => {
    const schema = db.freshSchema();
    const [a, b] = [db.freshAdapter(schema), db.freshAdapter(schema)];
    await Promise.all([a.start(), b.start()]);
    await a.write(fixtureBatch(makePlanFixture('p1')));
    const pending = makePlanFixture('p1').steps.find((s) => s.state === 'pending')!;
    const claim = { planId: 'p1', stepId: pending.id, from: ['pending' as const], at: 'now' };
    const wins = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).claimStep(claim)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });
});

class Provision extends Action<{ name: string }, { id: string }> {
  override plan(name: string) {
    this.planSelf({ name });
  }
  run() {
    this.output.id = `vm-${this.input.name}`;
  }
}

class Announce extends Action<{ id: string }, { message: string }> {
  override plan(id: string) {
    this.planSelf({ id });
  }
  run() {
    this.output.message = `ready: ${this.input.id}`;
  }
}

class Setup extends Action {
  override plan(name: string) {
    const vm = this.planAction(Provision, name);
    this.planAction(Announce, vm.output.id);
  }
}

describe('a World on the PostgresAdapter', () => {
  it('runs a plan end to end; another adapter instance reads the same plan back', async () => {
    const schema = db.freshSchema();
    const world = new World({
      adapter: db.freshAdapter(schema),
      actions: [Setup, Provision, Announce],
      logger: silentLogger,
    });
    await world.start();
    let plan;
    try {
      plan = await world.trigger(Setup, 'web').finished;
    } finally {
      await world.close();
    }
    expect(plan).toMatchObject({ state: 'stopped', result: 'success' });
    expect(plan.actions.find((a) => a.className === 'Announce')?.output).toEqual({
      message: 'ready: vm-web',
    });

    // A client-only world in "another process": its own adapter and pool on the same schema.
    const second = db.freshAdapter(schema);
    const reader = new World({
      adapter: second,
      actions: [Setup, Provision, Announce],
      executor: false,
      logger: silentLogger,
    });
    await reader.start();
    try {
      expect(await reader.executionPlan(plan.id)).toStrictEqual(plan);
      const stored = await second.loadPlan(plan.id);
      expect(stored?.steps.map((step) => step.state)).toEqual(plan.steps.map((step) => step.state));
      expect((await reader.executionPlans({ label: 'Setup' })).map((p) => p.id)).toEqual([plan.id]);
    } finally {
      await reader.close();
    }
  });
  it('a plan whose step row was damaged is listed as invalid, and loading it is refused', async () => {
    const adapter = db.freshAdapter();
    const options = { adapter, actions: [Setup, Provision, Announce], logger: silentLogger };
    const world = new World(options);
    await world.start();
    try {
      const { id } = await world.trigger(Setup, 'db').finished;
      await db.query(`UPDATE ${adapter.schema}.steps SET data = data - 'phase' WHERE id = 2`);
      const [listed] = await world.executionPlans();
      expect(listed?.id).toBe(id);
      expect(listed?.invalid).toMatchObject({ code: 'INVALID_PLAN' });
      expect(listed?.invalid?.message).toMatch(/step 2 lacks phase/);
      expectFlowlineError(await rejectionOf(world.executionPlan(id)), 'INVALID_PLAN');
    } finally {
      await world.close();
    }
  });
});

/** Runs `fn` with a TCP server on a free port that accepts connections and never says a word. */
async function withServer<T>(fn: (server: Server) => T | Promise<T>): Promise<T> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await fn(server);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
