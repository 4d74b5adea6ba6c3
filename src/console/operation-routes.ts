/** The operations (POST): resume, halt, cancel, rollback, skip a step; each redirects back with a message. */
import { ErrorCode } from '../errors.js';
import type { ConsoleState, Exchange } from './exchange.js';
import { sendNoPlan, sendProblem } from './exchange.js';
import { flashKey } from './flash.js';
import type { OperationRequest } from './operations.js';
import { perform } from './operations.js';
import { redirect } from './response.js';
import type { Route } from './router.js';

/**
 * Runs the operation a POST names (its CSRF token already checked) and redirects (303) to the plan
 * or step page with the outcome. A read-only console answers 403.
 *
 * @internal
 */
export async function runOperation(
  state: ConsoleState,
  x: Exchange,
  route: Extract<Route, { kind: 'operation' | 'skip' }>,
): Promise<void> {
  const { ctx, res } = x;
  const world = state.options.world;
  if (world === undefined) {
    const message = 'Operations need a console created with a world; this one reads a store only.';
    sendProblem(res, ctx, 403, 'Read-only console', message);
    return;
  }
  const found = await state.source.plan(route.planId);
  if (found.kind === 'missing') {
    sendNoPlan(x, route.planId);
    return;
  }
  const form = x.form ?? new URLSearchParams();
  const request: OperationRequest =
    route.kind === 'skip'
      ? { operation: 'skip', planId: route.planId, stepId: route.stepId }
      : route.operation === 'cancel'
        ? { operation: 'cancel', planId: route.planId, force: form.get('force') === '1' }
        : { operation: route.operation, planId: route.planId };
  const outcome = await perform(world, request, state.options.logger);
  const query = `?flash=${encodeURIComponent(flashKey(request.operation, outcome))}`;
  const backToStep =
    route.kind === 'skip' && form.get('from') === 'step' && outcome !== ErrorCode.STEP_NOT_FOUND;
  redirect(
    res,
    route.kind === 'skip' && backToStep
      ? ctx.links.step(route.planId, route.stepId, query)
      : ctx.links.plan(route.planId, query),
  );
}
