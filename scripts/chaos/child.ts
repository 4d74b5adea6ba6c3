/**
 * One life of the chaos child process (started by lives.ts with the FLOWLINE_CHAOS_LIFE
 * environment variable): a world on the run's store, which recovers what the previous life left,
 * then triggers the plans from `firstPlan` on in batches. Every journal line also goes to stdout,
 * where the parent counts them to aim its kill. A life that is not the final one waits to be
 * killed; the final life resumes what an operator would, waits for every plan to stop, and exits.
 */
import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutionPlan, LogMeta, Logger } from '../../src/index.js';
import { World } from '../../src/index.js';
import { ChaosPlan, chaosActions, journalStepsTo } from './actions.js';
import { appendLine } from './journal.js';
import type { LifeConfig } from './life-config.js';
import { LIFE_CONFIG_VARIABLE } from './life-config.js';
import { planShape } from './plan-shapes.js';
import { adapterFor } from './store-spec.js';

/** Errors a resume fixes: a step cut short by a crash, or a store that was away for a while. */
const OPERATOR_FIXABLE = new Set(['ABNORMAL_TERMINATION', 'STORAGE_ERROR']);
/** An operator resumes a plan at most this many times. */
const MAX_RESUMES = 3;

const raw = process.env[LIFE_CONFIG_VARIABLE];
if (raw === undefined)
  throw new Error(`${LIFE_CONFIG_VARIABLE} is not set: run scripts/chaos/run.ts`);
const config = JSON.parse(raw) as LifeConfig;

// The world's heartbeat timers are unref'd: a process whose only pending work is a promise exits.
// This one lives until it is killed (or, in the final life, until it is done).
const keepAlive = setInterval(() => undefined, 1 << 30);

function write(kind: string, ...fields: readonly (string | number)[]): void {
  const line = appendLine(config.journal, kind, ...fields);
  process.stdout.write(`${line}\n`);
}

function message(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`;
  }
  return String(error);
}

/** The engine's warnings and errors, to the run's engine log, one line each. */
function engineLogger(): Logger {
  const log = (level: string) => (text: string, meta?: LogMeta) => {
    let details = '';
    if (meta !== undefined) {
      try {
        details = ` ${JSON.stringify(meta, (_key, value: unknown) =>
          value instanceof Error ? message(value) : value,
        )}`;
      } catch {
        details = ' (meta not printable)';
      }
    }
    appendFileSync(config.engineLog, `[life ${config.life}] ${level} ${text}${details}\n`);
  };
  return { debug: () => undefined, info: log('info'), warn: log('warn'), error: log('error') };
}

write('life', config.life, process.pid, config.final ? 'final' : 'killed');
journalStepsTo(write, config.life);
const world = new World({
  adapter: adapterFor(config.store),
  actions: chaosActions,
  logger: engineLogger(),
});
await world.start();
write('started', config.life);

/** Triggers plan number `n` until the world accepts it, then waits for it to finish. */
async function runPlan(n: number): Promise<void> {
  for (;;) {
    const triggered = world.trigger(ChaosPlan, planShape(config.seed, n));
    write('trigger', n, triggered.id);
    try {
      await triggered.planned;
    } catch (error) {
      // Not accepted (the store is away): an application would try again.
      write('trigger-failed', n, triggered.id, message(error));
      await delay(250);
      continue;
    }
    write('planned', n, triggered.id);
    try {
      const plan = await triggered.finished;
      write('finished', n, triggered.id, plan.state, plan.result);
    } catch (error) {
      write('finished-failed', n, triggered.id, message(error));
    }
    return;
  }
}

// `hold` on stdin (sent by the parent when it takes the store away): start no new batch.
let held: Promise<void> | undefined;
if (!config.final) {
  process.stdin.setEncoding('utf8').on('data', (chunk: string) => {
    if (held === undefined && chunk.includes('hold')) {
      write('hold', config.life);
      held = new Promise<void>(() => undefined);
    }
  });
}

const numbers = [...config.retryPlans];
for (let n = config.firstPlan; n < config.plans; n++) numbers.push(n);
for (let first = 0; first < numbers.length; first += config.batch) {
  if (held !== undefined) await held;
  await Promise.all(numbers.slice(first, first + config.batch).map(runPlan));
}
write('all-triggered', config.life);

if (config.final) {
  await operate();
  await world.close();
  write('closed', config.life);
  clearInterval(keepAlive);
}

/** Whether every failed step of a paused plan failed for a reason a resume fixes. */
function resumable(plan: ExecutionPlan): boolean {
  const failed = plan.steps.filter((step) => step.state === 'error');
  return failed.length > 0 && failed.every((step) => OPERATOR_FIXABLE.has(step.error?.code ?? ''));
}

/**
 * What an operator does after the storm: resume each plan paused by a crash or an outage, and
 * wait until every plan is stopped, or until nothing has changed for `settleMs` (then some plan
 * is stuck, which the parent reports).
 */
async function operate(): Promise<void> {
  const resumes = new Map<string, number>();
  /** Plans with a resume under way (the plans read may still show them paused). */
  const resuming = new Set<string>();
  // Set by every plan state change, so that one seen while the plans were being read is not lost.
  let dirty = false;
  let wake: (() => void) | undefined;
  const changed = (): void => {
    dirty = true;
    wake?.();
  };
  world.on('plan:state', changed);
  const canResume = (plan: ExecutionPlan): boolean =>
    plan.state === 'paused' &&
    !resuming.has(plan.id) &&
    (resumes.get(plan.id) ?? 0) < MAX_RESUMES &&
    resumable(plan);
  for (;;) {
    dirty = false;
    const plans = await world.executionPlans();
    for (const plan of plans) {
      if (!canResume(plan)) continue;
      resumes.set(plan.id, (resumes.get(plan.id) ?? 0) + 1);
      resuming.add(plan.id);
      write('resume', plan.id);
      world
        .resume(plan.id)
        .then(
          (done) => {
            write('resumed', plan.id, done.state, done.result);
          },
          (error: unknown) => {
            write('resume-failed', plan.id, message(error));
          },
        )
        .finally(() => {
          resuming.delete(plan.id);
          changed();
        });
    }
    const busy = plans.some((plan) => plan.state !== 'stopped' && plan.state !== 'paused');
    if (!busy && resuming.size === 0 && !plans.some(canResume)) {
      write('settled', config.life, 'all-stopped');
      return;
    }
    const moved = await new Promise<boolean>((resolve) => {
      if (dirty) {
        resolve(true);
        return;
      }
      const timer = setTimeout(() => {
        resolve(false);
      }, config.settleMs);
      wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    wake = undefined;
    if (!moved) {
      write('settled', config.life, 'quiet');
      return;
    }
  }
}
