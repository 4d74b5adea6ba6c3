/**
 * The chaos run's working directories (`flowline-chaos-<store>-…` under the system's temporary
 * directory): removed when done with, and on exit unless kept for inspection.
 */
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();

process.on('exit', () => {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
});

/** A new directory, enterable by other users (the PostgreSQL server runs as `postgres` as root). */
export async function makeWorkDir(what: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flowline-chaos-${what}-`));
  await chmod(dir, 0o711);
  live.add(dir);
  return dir;
}

/** Removes a directory made by {@link makeWorkDir}, or keeps it (then it survives the exit). */
export async function releaseWorkDir(dir: string, keep: boolean): Promise<void> {
  live.delete(dir);
  if (!keep) await rm(dir, { recursive: true, force: true });
}
