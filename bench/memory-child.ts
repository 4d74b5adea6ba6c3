/**
 * Runs bench/suspended-memory.ts in a child process with `--expose-gc` (so that it can force a
 * garbage collection) and returns what it printed, or `undefined` when it took longer than allowed
 * (then it is killed). Its SQLite file goes in a temporary directory removed here in any case.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SuspendedMemoryResult } from './suspended-memory.js';
import { makeTempDir, removeTempDir } from './temp-dirs.js';

const SCRIPT = fileURLToPath(new URL('./suspended-memory.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One measurement of heap bytes per suspended step, in a fresh process. */
export async function suspendedMemoryInChild(
  store: 'memory' | 'sqlite',
  plans: number,
  stepsPerPlan: number,
  timeoutMs: number,
): Promise<SuspendedMemoryResult | undefined> {
  const dir = await makeTempDir('memory');
  try {
    return await runChild([store, String(plans), String(stepsPerPlan), dir], timeoutMs);
  } finally {
    await removeTempDir(dir);
  }
}

async function runChild(
  args: readonly string[],
  timeoutMs: number,
): Promise<SuspendedMemoryResult | undefined> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  let timedOut = false as boolean; // set by the timer
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => {
    clearTimeout(timer);
  });
  if (timedOut) return undefined;
  if (code !== 0) throw new Error(`suspended-memory.ts ${args.join(' ')} exited with ${code}`);
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as SuspendedMemoryResult;
}
