/**
 * One life of the child process, seen from the parent: spawns scripts/chaos/child.ts with
 * `node --import tsx`, counts the journal lines it echoes on stdout, and kills it with SIGKILL when
 * its target is reached (after a jitter), when it has been silent for a while (it has nothing left
 * to do), or after the store outage injected in its life.
 */
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LifeConfig } from './life-config.js';
import { LIFE_CONFIG_VARIABLE } from './life-config.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const ROOT = path.resolve(path.dirname(CHILD), '../..');
/** How long a child may take to write its first line (tsx compiles it first). */
const STARTUP_MS = 60_000;
/** How much of a child's stderr is kept for the report. */
const STDERR_TAIL = 4_000;

/** Why the parent killed a life. */
export type KillReason = 'target' | 'idle' | 'outage' | 'deadline';

/** What the parent asks of one life. */
export interface LifeRequest {
  readonly config: LifeConfig;
  /** Kill the child once it has written this many lines (absent: the final life, not killed). */
  readonly killAfter?: number;
  /** Then wait this many ms before the kill (0: at once). */
  readonly jitterMs: number;
  /** Kill the child (not the final one) after this long without a line from it. */
  readonly idleMs: number;
  /** The final life is killed if it is still running after this long. */
  readonly deadlineMs: number;
  /** Run `outage` once the child has written this many lines, then kill it. */
  readonly outageAfter?: number;
  /**
   * The outage, given the lines the child wrote so far (it goes on writing meanwhile), and a
   * function that tells the child to start no new batch of plans.
   */
  readonly outage?: (lines: readonly string[], hold: () => void) => Promise<void>;
  /** Where the child's stderr is appended. */
  readonly stderrLog: string;
}

/** How one life ended. */
export interface LifeOutcome {
  readonly life: number;
  /** Lines the child wrote on stdout (its journal lines). */
  readonly lines: number;
  /** Killed by the parent, or ended on its own (a crash, unless it is the final life). */
  readonly killed: KillReason | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of its stderr. */
  readonly stderr: string;
  readonly ms: number;
}

/** Runs one life to its end. */
export async function runLife(request: LifeRequest): Promise<LifeOutcome> {
  const started = Date.now();
  const { config } = request;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: ROOT,
    env: { ...process.env, [LIFE_CONFIG_VARIABLE]: JSON.stringify(config) },
    // A life that will be killed listens on stdin for `hold` (see child.ts).
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Writing to a child that was just killed must not crash the parent.
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
    appendFileSync(request.stderrLog, chunk.replace(/^/gm, `[life ${config.life}] `));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    },
  );

  const lines: string[] = [];
  let killed: KillReason | undefined;
  let inOutage = false;
  let aiming = false;
  let outageDone: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const kill = (why: KillReason): void => {
    if (killed !== undefined) return;
    killed = why;
    clearTimeout(timer);
    child.kill('SIGKILL');
  };
  const arm = (ms: number, why: KillReason): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      kill(why);
    }, ms);
  };
  arm(request.killAfter === undefined ? request.deadlineMs : STARTUP_MS, 'deadline');

  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (killed !== undefined || inOutage) return;
    if (request.outage !== undefined && lines.length === request.outageAfter) {
      inOutage = true;
      clearTimeout(timer);
      const hold = (): void => {
        child.stdin.write('hold\n');
      };
      outageDone = request.outage(lines, hold).then(
        () => {
          kill('outage');
        },
        (error: unknown) => {
          kill('outage');
          console.error('the outage failed:', error);
        },
      );
      return;
    }
    if (request.killAfter === undefined) return;
    if (aiming) return;
    if (request.outageAfter === undefined && lines.length >= request.killAfter) {
      aiming = true;
      if (request.jitterMs === 0) kill('target');
      else arm(request.jitterMs, 'target');
      return;
    }
    arm(request.idleMs, 'idle');
  });

  const { code, signal } = await exited;
  clearTimeout(timer);
  // A child that died on its own during the outage: the store must be back before the next life.
  await outageDone;
  return {
    life: config.life,
    lines: lines.length,
    killed,
    code,
    signal,
    stderr,
    ms: Date.now() - started,
  };
}
