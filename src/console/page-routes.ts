/** The pages (GET): plan list, plan, step, worlds. */
import type { Exchange, ConsoleState } from './exchange.js';
import { sendNoPlan, sendPage, sendProblem } from './exchange.js';
import { flashMessage } from './flash.js';
import { planDetailPage, unreadablePlanPage } from './pages/plan-detail.js';
import { planListPage } from './pages/plan-list.js';
import { stepDetailPage } from './pages/step-detail.js';
import { worldsPage } from './pages/worlds.js';
import { findPlanPage, parsePlanQuery } from './plan-query.js';
import type { Route } from './router.js';
import type { ExecutionPlan } from '../plan/records.js';

/**
 * Answers a GET (or HEAD) of a page.
 *
 * @throws BadRequest for malformed query parameters
 * @internal
 */
export async function showPage(state: ConsoleState, x: Exchange, route: Route): Promise<void> {
  const { ctx, res } = x;
  const { source } = state;
  const flash = flashMessage(x.url.query.get('flash'));
  switch (route.kind) {
    case 'plans': {
      const query = parsePlanQuery(x.url.query);
      const page = await findPlanPage(source, query);
      sendPage(res, 200, planListPage(ctx, query, page));
      return;
    }
    case 'plan': {
      const plan = await readablePlan(state, x, route.planId);
      if (plan === undefined) return;
      const [subPlans, chained] = await Promise.all([
        source.subPlans(route.planId),
        source.chainedPlans(route.planId),
      ]);
      sendPage(res, 200, planDetailPage(ctx, { plan, subPlans, chained }, flash));
      return;
    }
    case 'step': {
      const plan = await readablePlan(state, x, route.planId);
      if (plan === undefined) return;
      const step = plan.steps[route.stepId - 1];
      if (step?.id !== route.stepId) {
        const message = `Plan ${route.planId} has no step ${route.stepId}.`;
        sendProblem(res, ctx, 404, 'Not found', message);
        return;
      }
      const log = await source.stepLog(route.planId, route.stepId);
      sendPage(res, 200, stepDetailPage(ctx, plan, step, log, flash));
      return;
    }
    case 'worlds': {
      const worlds = await source.worlds();
      const view = {
        worlds,
        ownWorldId: source.worldId,
        heartbeatTimeoutMs: state.options.heartbeatTimeoutMs,
        now: Date.now(),
      };
      sendPage(res, 200, worldsPage(ctx, view));
      return;
    }
    default:
      sendProblem(res, ctx, 404, 'Not found', 'There is no such page.');
  }
}

/**
 * The plan a page is about; when it is missing or cannot be read, the answer (404, or the page
 * saying why it cannot be shown) has been sent and the result is `undefined`.
 */
async function readablePlan(
  state: ConsoleState,
  x: Exchange,
  planId: string,
): Promise<ExecutionPlan | undefined> {
  const found = await state.source.plan(planId);
  if (found.kind === 'missing') {
    sendNoPlan(x, planId);
    return undefined;
  }
  if (found.kind === 'unreadable') {
    sendPage(x.res, 200, unreadablePlanPage(x.ctx, planId, found.error));
    return undefined;
  }
  return found.plan;
}
