/**
 * `flowline/postgres`: the PostgreSQL persistence adapter, for durable plans shared by several
 * processes. Needs the `pg` package (an optional peer dependency).
 *
 * @packageDocumentation
 */
export { PostgresAdapter } from './postgres-adapter.js';
export type {
  PostgresAdapterOptions,
  PostgresCommonOptions,
  PostgresConnectionOptions,
  PostgresPoolOptions,
} from './options.js';
