import { ErrorCode, FlowlineError } from '../errors.js';
import type { ExecutionPlan } from '../plan/records.js';
import type { Logger } from '../shared/logger.js';
import { optionsObject, readFields } from './arguments.js';

/** Options of `world.execute` and `world.resume`. */
export interface ExecuteOptions {
  /**
   * `true` (the default): resolve once the plan is `paused` or `stopped` again. `false`: resolve as
   * soon as the plan is running again — this world's executor has taken it (its execution lock is
   * held and the state `running` is committed) — to a snapshot of the plan at that moment; the
   * plan then goes on in this world, as after `trigger`.
   *
   * @default true
   */
  readonly wait?: boolean;
}

/**
 * The `wait` option of `world.execute` / `world.resume`, checked.
 *
 * @param options - what the caller passed
 * @param where - the call, for the message (`world.resume`)
 * @throws FlowlineError `INVALID_ARGUMENT` when `options` is not an object, has fields other than
 *   `wait`, or `wait` is not a boolean
 * @internal
 */
export function waitOption(options: unknown, where: string): boolean {
  const given = optionsObject(readFields(options, where, ['wait']), where);
  if (typeof options === 'object' && options !== null) {
    let keys: string[];
    try {
      keys = Object.keys(options);
    } catch {
      keys = [];
    }
    const unknown = keys.filter((key) => key !== 'wait');
    if (unknown.length > 0) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${where}: unknown option ${unknown.map((key) => JSON.stringify(key)).join(', ')}; ` +
          'the only option is wait',
      );
    }
  }
  const wait = given.wait === undefined ? true : given.wait;
  if (typeof wait !== 'boolean') {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `${where}: the option wait must be a boolean, got ${typeof wait}`,
    );
  }
  return wait;
}

/**
 * Starts an execution and resolves once the executor has taken the plan (with the snapshot it
 * reports), or with the execution's own outcome if that comes first (a refusal rejects). A failure
 * of the execution after that is logged, since nobody awaits it any more.
 *
 * @param start - starts the execution, calling `taken` once the plan runs
 * @internal
 */
export function untilTaken(
  planId: string,
  logger: Logger,
  start: (taken: (plan: ExecutionPlan) => void) => Promise<ExecutionPlan>,
): Promise<ExecutionPlan> {
  return new Promise<ExecutionPlan>((resolve, reject) => {
    let answered = false;
    const finished = start((plan) => {
      answered = true;
      resolve(plan);
    });
    finished.then(resolve, (error: unknown) => {
      if (answered) {
        logger.error(`execution of plan ${planId} failed after it was taken`, { planId, error });
      }
      // Whatever the execution rejects with is passed on as it is (FlowlineErrors, store errors).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(error);
    });
  });
}
