import { join } from 'node:path';
import { runAdapterConformance } from '../../../src/testing/conformance.js';
import { SqliteAdapter } from '../../../src/persistence/sqlite/index.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
/** The file of the current test: each test gets a new one in a fresh temp directory. */
let filename = '';

runAdapterConformance(
  'sqlite',
  () => {
    filename = join(dirs.make(), 'flowline.db');
    return new SqliteAdapter({ filename });
  },
  {
    reopen: () => new SqliteAdapter({ filename }),
    cleanup: () => dirs.removeAll(),
  },
);
