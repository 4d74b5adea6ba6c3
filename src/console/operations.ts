/**
 * Operations on plans, through the console's world. The request waits for an operation only until
 * it is under way: a resumed plan may run for hours, so resume asks the world not to wait
 * (`world.resume(id, { wait: false })` answers once the plan is running again); halt and cancel,
 * which end once the plan is stopped, are answered after a short bound at most. Later failures
 * are logged.
 */
import { FlowlineError } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import type { World } from '../world/world.js';
import type { Operation, Outcome } from './flash.js';

/** Longest a request waits for a halt or cancel to finish before answering "started". */
const ACKNOWLEDGE_MS = 2000;

/** What a request asks of a plan. @internal */
export type OperationRequest =
  | { readonly operation: 'resume' | 'halt' | 'rollback'; readonly planId: string }
  | { readonly operation: 'cancel'; readonly planId: string; readonly force: boolean }
  | { readonly operation: 'skip'; readonly planId: string; readonly stepId: number };

/**
 * Starts an operation and reports how far it got: `started` for a resumed plan that is running
 * again, or a plan whose rollback is under way; `done` when another operation finished, `started` when it is still going after
 * {@link ACKNOWLEDGE_MS}; a {@link FlowlineError} code when the world refused it, `failed` for any
 * other error (logged). Whatever happens after the answer is logged, never lost.
 *
 * @internal
 */
export async function perform(
  world: World,
  request: OperationRequest,
  logger: Logger,
): Promise<Outcome> {
  const { operation, planId } = request;
  let stopListening: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const underWay =
    operation === 'resume'
      ? undefined
      : new Promise<Outcome>((resolve) => {
          timer = setTimeout(() => resolve('started'), ACKNOWLEDGE_MS);
          timer.unref();
          if (operation === 'rollback') {
            // A rollback resolves only when the plan stops (or pauses) again: running is enough.
            stopListening = world.on('plan:state', (event) => {
              if (event.planId === planId && event.state === 'running') resolve('started');
            });
          }
        });
  let answered = false;
  const work = Promise.resolve()
    .then(() => start(world, request))
    .then(
      (): Outcome => (operation === 'resume' ? 'started' : 'done'),
      (error: unknown): Outcome => {
        if (answered) {
          logger.error(`flowline console: ${operation} of plan ${planId} failed`, {
            planId,
            error,
          });
          return 'failed';
        }
        if (error instanceof FlowlineError) {
          logger.warn(
            `flowline console: ${operation} of plan ${planId} refused: ${error.message}`,
            {
              planId,
              code: error.code,
            },
          );
          return error.code;
        }
        logger.error(`flowline console: ${operation} of plan ${planId} failed`, { planId, error });
        return 'failed';
      },
    );
  try {
    return await (underWay === undefined ? work : Promise.race([work, underWay]));
  } finally {
    answered = true;
    stopListening?.();
    clearTimeout(timer);
  }
}

function start(world: World, request: OperationRequest): Promise<unknown> {
  switch (request.operation) {
    case 'resume':
      // Answers once the plan runs again; the world logs a failure after that.
      return world.resume(request.planId, { wait: false });
    case 'halt':
      return world.halt(request.planId);
    case 'rollback':
      return world.rollback(request.planId);
    case 'cancel':
      return world.cancel(request.planId, { force: request.force });
    case 'skip':
      return world.skipStep(request.planId, request.stepId);
  }
}

/** Operations by name, for routing. @internal */
export const OPERATIONS: readonly Operation[] = ['resume', 'halt', 'cancel', 'rollback', 'skip'];
