/**
 * Messages shown after an operation. The redirect carries only a key (`?flash=resume:started`,
 * `?flash=skip:STEP_NOT_FAILED`), never text, so nobody can make the console display a message of
 * their choosing through a link.
 */
import { ErrorCode } from '../errors.js';

/** An operation the console offers. */
export type Operation = 'resume' | 'halt' | 'cancel' | 'rollback' | 'skip';

/** How an operation went: finished, under way, refused with a Flowline error code, or failed. */
export type Outcome = 'done' | 'started' | ErrorCode | 'failed';

/** A message to show. */
export interface Flash {
  readonly kind: 'success' | 'error';
  readonly text: string;
}

const VERBS: Readonly<Record<Operation, string>> = {
  resume: 'resume the plan',
  halt: 'halt the plan',
  cancel: 'cancel the plan',
  rollback: 'roll back the plan',
  skip: 'skip the step',
};

const SUCCESS: Readonly<Record<Operation, Readonly<Record<'done' | 'started', string>>>> = {
  resume: {
    done: 'The plan was resumed and has paused or stopped again.',
    started: 'The plan was resumed and is running.',
  },
  halt: {
    done: 'The plan was halted.',
    started: 'Halt requested: the plan stops once the steps running now return.',
  },
  cancel: {
    done: 'The plan was cancelled.',
    started: 'Cancel requested: the plan stops once the steps running now return.',
  },
  rollback: {
    done: 'The plan was rolled back, or paused again on a failed compensation.',
    started: 'Rollback started: the plan is running its compensations.',
  },
  skip: {
    done: 'The step was marked to be skipped; resume the plan to go on.',
    started: 'Skipping the step was requested.',
  },
};

const HINTS: Partial<Readonly<Record<ErrorCode, string>>> = {
  INVALID_PLAN_STATE: 'the plan is not in a state that allows it (it may have changed meanwhile)',
  PLAN_NOT_FOUND: 'the plan no longer exists',
  STEP_NOT_FOUND: 'the plan has no such step',
  STEP_NOT_FAILED: 'the step has not failed',
  SINGLETON_ACTIVE: 'another plan of this singleton action is active',
  NOT_AN_EXECUTOR: "this console's world does not execute plans",
  ACTION_NOT_REGISTERED: "the plan uses an action this console's world does not know",
  INVALID_PLAN: 'the stored plan cannot be executed by this world',
  WORLD_CLOSED: "this console's world is closed",
  STORAGE_ERROR: 'the store failed (see the server log)',
};

const CODES = new Set<string>(Object.values(ErrorCode));

/** The query value for an operation's outcome. */
export function flashKey(operation: Operation, outcome: Outcome): string {
  return `${operation}:${outcome}`;
}

/** The message for a `flash` query value, or `undefined` when it is not one the console makes. */
export function flashMessage(key: string | null): Flash | undefined {
  if (key === null) return undefined;
  const [operation, outcome, ...rest] = key.split(':');
  if (rest.length > 0 || operation === undefined || outcome === undefined) return undefined;
  if (!Object.hasOwn(VERBS, operation)) return undefined;
  const op = operation as Operation;
  if (outcome === 'done' || outcome === 'started') {
    return { kind: 'success', text: SUCCESS[op][outcome] };
  }
  if (outcome === 'failed') {
    return { kind: 'error', text: `Could not ${VERBS[op]}; the error was logged on the server.` };
  }
  if (!CODES.has(outcome)) return undefined;
  const hint = HINTS[outcome as ErrorCode];
  return {
    kind: 'error',
    text: `Could not ${VERBS[op]}: ${outcome}${hint === undefined ? '' : ` — ${hint}`}.`,
  };
}
