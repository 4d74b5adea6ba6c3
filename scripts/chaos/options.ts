/** The options of a chaos run, from the command line (`npm run chaos -- --seed 7 …`). */
import { parseArgs } from 'node:util';
import type { StoreKind } from './stores.js';

/** Everything a chaos run needs to know. */
export interface ChaosOptions {
  /** Seeds the plan shapes and the kill schedule. */
  readonly seed: number;
  /** Plans triggered over the whole run (per store). */
  readonly plans: number;
  /** SIGKILLs over the whole run (per store); the final life is not killed. */
  readonly kills: number;
  readonly stores: readonly StoreKind[];
  /** Plans a life triggers together. */
  readonly batch: number;
  /** Whether to inject a storage outage (in the life of the middle kill). */
  readonly outage: boolean;
  /** How long PostgreSQL is stopped. */
  readonly postgresOutageMs: number;
  /** How long SQLite's write lock is held (beyond its 5 s busy timeout, so writes fail). */
  readonly sqliteOutageMs: number;
  /** After an outage, how long the live world has to settle the plans it had in flight. */
  readonly outageGraceMs: number;
  /** Final life: how long nothing may change before it stops waiting. */
  readonly settleMs: number;
  /** A life silent for this long has nothing left to do: it is killed then. */
  readonly idleMs: number;
  /** The final life is killed (a violation) if it runs longer. */
  readonly finalDeadlineMs: number;
  /**
   * When to keep each store's directory (journal, database, logs) for inspection: `always`,
   * `on-failure` (a violation, or the run could not be made) or `never`.
   */
  readonly keep: 'always' | 'on-failure' | 'never';
  /** Print a line per life. */
  readonly verbose: boolean;
}

/** The defaults: the acceptance run. */
export const DEFAULT_OPTIONS: ChaosOptions = {
  seed: 1,
  plans: 1000,
  kills: 100,
  stores: ['sqlite', 'postgres'],
  batch: 5,
  outage: true,
  postgresOutageMs: 4000,
  sqliteOutageMs: 8000,
  outageGraceMs: 60_000,
  settleMs: 30_000,
  idleMs: 1500,
  finalDeadlineMs: 15 * 60_000,
  keep: 'on-failure',
  verbose: false,
};

/** What `--help` prints. */
export const USAGE = `usage: npm run chaos -- [options]
  --seed <n>              seeds plan shapes and kill points (default ${DEFAULT_OPTIONS.seed})
  --plans <n>             plans per store (default ${DEFAULT_OPTIONS.plans})
  --kills <n>             SIGKILLs per store (default ${DEFAULT_OPTIONS.kills})
  --store <s>             sqlite | postgres | both (default both)
  --batch <n>             plans triggered together (default ${DEFAULT_OPTIONS.batch})
  --no-outage             no storage outage
  --outage-ms <ms>        PostgreSQL stopped this long (default ${DEFAULT_OPTIONS.postgresOutageMs})
  --sqlite-outage-ms <ms> SQLite write lock held this long (default ${DEFAULT_OPTIONS.sqliteOutageMs})
  --outage-grace-ms <ms>  after the outage, the live world's time to settle its plans
                          (default ${DEFAULT_OPTIONS.outageGraceMs})
  --settle-ms <ms>        the final life gives up after this long without a change
                          (default ${DEFAULT_OPTIONS.settleMs})
  --keep                  keep the working directories (by default, kept on failure)
  --verbose               a line per life`;

function count(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) {
    throw new Error(`--${name} needs an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/** Parses command-line arguments (without `node` and the script). */
export function parseChaosArgs(args: readonly string[]): ChaosOptions {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      seed: { type: 'string' },
      plans: { type: 'string' },
      kills: { type: 'string' },
      store: { type: 'string' },
      batch: { type: 'string' },
      'no-outage': { type: 'boolean' },
      'outage-ms': { type: 'string' },
      'sqlite-outage-ms': { type: 'string' },
      'outage-grace-ms': { type: 'string' },
      'settle-ms': { type: 'string' },
      keep: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  });
  const d = DEFAULT_OPTIONS;
  const store = values.store ?? 'both';
  if (store !== 'sqlite' && store !== 'postgres' && store !== 'both') {
    throw new Error(`--store needs sqlite, postgres or both, got ${JSON.stringify(store)}`);
  }
  return {
    ...d,
    seed: count('seed', values.seed, d.seed),
    plans: count('plans', values.plans, d.plans, 1),
    kills: count('kills', values.kills, d.kills),
    stores: store === 'both' ? ['sqlite', 'postgres'] : [store],
    batch: count('batch', values.batch, d.batch, 1),
    outage: values['no-outage'] !== true,
    postgresOutageMs: count('outage-ms', values['outage-ms'], d.postgresOutageMs),
    sqliteOutageMs: count('sqlite-outage-ms', values['sqlite-outage-ms'], d.sqliteOutageMs),
    outageGraceMs: count('outage-grace-ms', values['outage-grace-ms'], d.outageGraceMs),
    settleMs: count('settle-ms', values['settle-ms'], d.settleMs, 1),
    keep: values.keep === true ? 'always' : d.keep,
    verbose: values.verbose === true,
  };
}
