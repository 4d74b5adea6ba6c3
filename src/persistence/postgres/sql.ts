/**
 * What the per-operation query modules share: the schema-qualified table names and a `Db` that runs
 * one statement and reports failures as storage errors naming the operation.
 */
import { createHash } from 'node:crypto';
import type { QueryResult, QueryResultRow } from 'pg';

/** Schema-qualified, quoted names of Flowline's tables. */
export interface Tables {
  readonly migrations: string;
  readonly plans: string;
  readonly actions: string;
  readonly steps: string;
  readonly events: string;
  readonly messages: string;
  readonly delayedPlans: string;
  readonly dependencies: string;
  readonly stepLogs: string;
  readonly worlds: string;
  readonly locks: string;
  readonly flowVersions: string;
}

/** Runs statements for the query modules. */
export interface Db {
  readonly tables: Tables;
  /** The store, as messages about its records name it: `PostgresAdapter (schema flowline)`. */
  readonly source: string;
  /**
   * Runs one statement (atomic on its own).
   *
   * @param operation - the adapter method, for the error message
   * @param text - SQL with `$n` placeholders
   * @param values - the parameters
   */
  query<R extends QueryResultRow>(
    operation: string,
    text: string,
    values?: readonly unknown[],
  ): Promise<QueryResult<R>>;
}

/** A schema name Flowline accepts: a lower-case SQL identifier that needs no quoting. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** PostgreSQL truncates identifiers past 63 bytes; a longer name would silently alias another. */
export const MAX_IDENTIFIER_LENGTH = 63;

/** Double-quotes an identifier for SQL text. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The table names inside `schema`. */
export function tablesIn(schema: string): Tables {
  const q = (table: string) => `${quoteIdentifier(schema)}.${table}`;
  return {
    migrations: q('migrations'),
    plans: q('plans'),
    actions: q('actions'),
    steps: q('steps'),
    events: q('events'),
    messages: q('messages'),
    delayedPlans: q('delayed_plans'),
    dependencies: q('plan_dependencies'),
    stepLogs: q('step_logs'),
    worlds: q('worlds'),
    locks: q('locks'),
    flowVersions: q('flow_versions'),
  };
}

/** Collects positional parameters while SQL text is being built. */
export class Params {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder, e.g. `$3`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Records as jsonb parameters: JSON text the server parses once. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value);
}

/** The last entry for each key, in the order the keys first appeared (later writes win). */
export function lastByKey<T>(items: readonly T[] | undefined, key: (item: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const item of items ?? []) byKey.set(key(item), item);
  return [...byKey.values()];
}

/** Statement texts seen so far and their prepared-statement names. */
const preparedNames = new Map<string, string>();
/** Beyond this many distinct texts, statements are sent unnamed (planned on every call). */
const MAX_PREPARED = 256;

/**
 * The prepared-statement name for a statement text: the server parses and plans a named statement
 * once per connection instead of on every call, which is most of the cost of a small statement.
 * The name is a hash of the text, so adapters sharing an application's pool (different schemas,
 * different texts) never collide. `undefined` once too many distinct texts were seen.
 */
export function preparedName(text: string): string | undefined {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `flowline_${createHash('sha1').update(text).digest('hex').slice(0, 40)}`;
    preparedNames.set(text, name);
  }
  return name;
}
