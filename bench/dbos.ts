/**
 * The peer: DBOS Transact (`@dbos-inc/dbos-sdk`) running the same workflow — `steps` trivial
 * durable steps in sequence — with `inFlight` workflows running at any time, on PostgreSQL.
 * Each measurement launches DBOS on a fresh schema of its own database and shuts it down after.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { readFileSync } from 'node:fs';
import type { Throughput, WindowLimits } from './durable.js';
import { limitsFor, rates } from './durable.js';
import { keepInFlight } from './in-flight.js';
import type { PgServer } from './pg-server.js';

/** The installed version of `@dbos-inc/dbos-sdk`. */
export const DBOS_VERSION = (
  JSON.parse(
    readFileSync(
      new URL('../node_modules/@dbos-inc/dbos-sdk/package.json', import.meta.url),
      'utf8',
    ),
  ) as { version: string }
).version;

/** The database DBOS keeps its system tables in, apart from Flowline's. */
export const DBOS_DATABASE = 'dbos_bench';

/** Creates DBOS's database on `server`; once per server. */
export async function createDbosDatabase(server: PgServer): Promise<void> {
  await server.query(`CREATE DATABASE ${DBOS_DATABASE}`);
}

/** A trivial step, as Flowline's Noop: its output is its input. */
async function noop(i: number): Promise<{ i: number }> {
  return { i };
}

let schemas = 0;

const IDLE_TIMEOUT = '-c idle_in_transaction_session_timeout=60000';

/** One measurement of DBOS on `server` (whose {@link DBOS_DATABASE} must exist). */
export async function dbosThroughput(
  server: PgServer,
  steps: number,
  inFlight: number,
  limits: WindowLimits = limitsFor(inFlight),
): Promise<Throughput> {
  const schema = `dbos_bench_${process.pid}_${++schemas}`;
  DBOS.setConfig({
    name: 'flowline-bench',
    // DBOS's default idle-in-transaction timeout, given in the URL: set on connect instead, it is an
    // un-awaited query that makes pg print a deprecation warning.
    systemDatabaseUrl: `${server.url(DBOS_DATABASE)}?options=${encodeURIComponent(IDLE_TIMEOUT)}`,
    systemDatabaseSchemaName: schema,
    logLevel: 'error',
  });
  const step = DBOS.registerStep(noop, { name: 'noop' });
  const workflow = DBOS.registerWorkflow(
    async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) await step(i);
    },
    { name: 'sequence' },
  );
  await DBOS.launch();
  try {
    const { completed, ms } = await keepInFlight(
      inFlight,
      limits.total,
      limits.budgetMs,
      async () => {
        const handle = await DBOS.startWorkflow(workflow)(steps);
        await handle.getResult();
      },
    );
    return rates(steps, completed, ms);
  } finally {
    await DBOS.shutdown({ deregister: true });
    await server.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
}
