/**
 * Helpers of the SQLite adapter tests: temp directories, plus the shared record builders and error
 * assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { actionRecord, planRecord, scoped, stepRecord } from '../../helpers/records.js';
export { expectFlowlineError, rejectionOf, thrownBy } from '../../helpers/world.js';

/** Fresh temp directories, removed with everything in them by `removeAll`. */
export function tempDirs(): { make(): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'flowline-sqlite-'));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
