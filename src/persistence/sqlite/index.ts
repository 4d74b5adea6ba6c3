/**
 * `flowline/sqlite`: the SQLite persistence adapter (better-sqlite3, an optional peer dependency).
 *
 * @packageDocumentation
 */
export { SqliteAdapter } from './sqlite-adapter.js';
export type { SqliteAdapterOptions } from './options.js';
