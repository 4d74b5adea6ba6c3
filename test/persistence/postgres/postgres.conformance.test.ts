import { PostgresAdapter } from '../../../src/persistence/postgres/index.js';
import { runAdapterConformance } from '../../../src/testing/index.js';
import { useTestDatabase } from '../../helpers/postgres.js';

// One throwaway database for this file (dropped afterwards), one fresh schema per test.
const db = useTestDatabase();

runAdapterConformance(
  'postgres',
  () => new PostgresAdapter({ connectionString: db.url, schema: db.freshSchema() }),
  {
    // The same schema, through a new adapter and pool: what a restarted process would see.
    reopen: (closed) => {
      if (!(closed instanceof PostgresAdapter)) throw new Error('expected a PostgresAdapter');
      return new PostgresAdapter({ connectionString: db.url, schema: closed.schema });
    },
  },
);
