/**
 * Operations on plans, through the console's world. The request waits for an operation only until
 * it is under way: a resumed plan may run for hours, so the request answers as soon as the plan is
 * running again (or after a short bound), and later failures are logged.
 */
import { FlowlineError } from '../errors.js';
import type { Logger } from '../shared/logger.js';
import type { World } from '../world/world.js';
import type { Operation, Outcome } from './flash.js';

/** Longest a request waits for an operation to be under way before answering "started". */
const ACKNOWLEDGE_MS = 2000;

/** What a request asks of a plan. @internal */
export type OperationRequest =
  | { readonly operation: 'resume' | 'halt' | 'rollback'; readonly planId: string }
  | { readonly operation: 'cancel'; readonly planId: string; readonly force: boolean }
  | { readonly operation: 'skip'; readonly planId: string; readonly stepId: number };

/**
 * Starts an operation and reports how far it got: `done` when it finished, `started` once it is
 * under way (a resumed plan is running again; otherwise after {@link ACKNOWLEDGE_MS}), a
 * {@link FlowlineError} code when the world refused it, `failed` for any other error (logged).
 * Whatever happens after the answer is logged, never lost.
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
  const underWay = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve('started'), ACKNOWLEDGE_MS);
    timer.unref();
    if (operation === 'resume' || operation === 'rollback') {
      // Resuming (or rolling back) resolves only when the plan pauses or stops again: running is
      // enough here.
      stopListening = world.on('plan:state', (event) => {
        if (event.planId === planId && event.state === 'running') resolve('started');
      });
    }
  });
  let answered = false;
  const work = Promise.resolve()
    .then(() => start(world, request))
    .then(
      (): Outcome => 'done',
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
    return await Promise.race([work, underWay]);
  } finally {
    answered = true;
    stopListening?.();
    clearTimeout(timer);
  }
}

function start(world: World, request: OperationRequest): Promise<unknown> {
  switch (request.operation) {
    case 'resume':
      return world.resume(request.planId);
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
