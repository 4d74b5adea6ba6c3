/** Which store a chaos life opens: what the parent hands each child, as JSON. */
import type { PersistenceAdapter } from '../../src/index.js';
import { PostgresAdapter } from '../../src/persistence/postgres/index.js';
import { SqliteAdapter } from '../../src/persistence/sqlite/index.js';

/** A SQLite file or a PostgreSQL schema. */
export type StoreSpec =
  | { readonly kind: 'sqlite'; readonly filename: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string };

/** A new, not yet started adapter on the store (with the adapters' default settings). */
export function adapterFor(spec: StoreSpec): PersistenceAdapter {
  return spec.kind === 'sqlite'
    ? new SqliteAdapter({ filename: spec.filename })
    : new PostgresAdapter({ connectionString: spec.url, schema: spec.schema });
}
