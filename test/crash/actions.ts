/**
 * Actions shared by the crash worker (a child process killed with SIGKILL) and the test that
 * recovers its plans. Every phase appends a line to a journal file, so what ran is known across
 * processes. In the worker (FLOWLINE_CRASH_BLOCK=1) the blockers never finish: they announce
 * themselves on stdout and wait to be killed.
 */
import { appendFileSync } from 'node:fs';
import { Action } from '../../src/index.js';

const journal = (): string => {
  const file = process.env.FLOWLINE_CRASH_JOURNAL;
  if (file === undefined) throw new Error('FLOWLINE_CRASH_JOURNAL is not set');
  return file;
};

/** Appends `what planId ClassName` to the journal. */
export function note(what: string, action: Action): void {
  appendFileSync(journal(), `${what} ${action.executionPlanId} ${action.constructor.name}\n`);
}

/** In the worker: announces `BLOCKED planId ClassName` and never returns. */
export async function block(action: Action): Promise<void> {
  if (process.env.FLOWLINE_CRASH_BLOCK !== '1') return;
  process.stdout.write(`BLOCKED ${action.executionPlanId} ${action.constructor.name}\n`);
  await new Promise<never>(() => {});
}

/** An ordinary step before the interruption: it must never run again. */
export class Prepare extends Action {
  run() {
    note('run', this);
  }
  finalize() {
    note('finalize', this);
  }
}

/** Interrupted by the kill; safe to run again. */
export class IdempotentBlocker extends Action {
  static override readonly idempotent = true;
  async run() {
    note('start', this);
    await block(this);
    note('run', this);
  }
  finalize() {
    note('finalize', this);
  }
}

/** Interrupted by the kill; not safe to run again without an operator. */
export class FragileBlocker extends Action {
  async run() {
    note('start', this);
    await block(this);
    note('run', this);
  }
  finalize() {
    note('finalize', this);
  }
}

/** Runs after the interrupted step. */
export class Complete extends Action {
  run() {
    note('run', this);
  }
  finalize() {
    note('finalize', this);
  }
}

/** prepare → blocker → complete. */
export class CrashPlan extends Action {
  override plan(kind: 'idempotent' | 'fragile') {
    this.sequence(() => {
      this.planAction(Prepare);
      this.planAction(kind === 'idempotent' ? IdempotentBlocker : FragileBlocker);
      this.planAction(Complete);
    });
  }
}

export const crashActions = [Prepare, IdempotentBlocker, FragileBlocker, Complete, CrashPlan];
