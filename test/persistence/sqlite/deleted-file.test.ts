/**
 * Defect: deleting the SQLite file under a running world gave no error: SQLite went on writing to
 * the unlinked file, and a restart found an empty store. Now the adapter notices (same device and
 * inode, checked before every group of operations) and refuses with STORAGE_ERROR.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Action, World, silentLogger } from '../../../src/index.js';
import { SqliteAdapter } from '../../../src/persistence/sqlite/index.js';
import { expectFlowlineError, rejectionOf, tempDirs } from './helpers.js';

class Noop extends Action {
  run() {}
}

const dirs = tempDirs();
afterEach(() => {
  dirs.removeAll();
});

for (const how of ['deleted', 'replaced'] as const) {
  it(`a file ${how} under a running world: every operation fails with STORAGE_ERROR saying so`, async () => {
    const filename = join(dirs.make(), 'flowline.db');
    const world = new World({
      adapter: new SqliteAdapter({ filename }),
      actions: [Noop],
      logger: silentLogger,
    });
    await world.start();
    try {
      expect((await world.trigger(Noop).finished).result).toBe('success');
      rmSync(filename);
      if (how === 'replaced') {
        writeFileSync(`${filename}.other`, '');
        renameSync(`${filename}.other`, filename);
      }
      const error = expectFlowlineError(
        await rejectionOf(world.trigger(Noop).planned),
        'STORAGE_ERROR',
      );
      expect(error.message).toContain(`the database file ${filename} was ${how}`);
      expectFlowlineError(await rejectionOf(world.executionPlans()), 'STORAGE_ERROR');
    } finally {
      await world.close().catch(() => undefined);
    }
  });
}
