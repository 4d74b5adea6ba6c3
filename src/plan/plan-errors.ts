import { ErrorCode, FlowlineError } from '../errors.js';
import type { StepRecord } from './records.js';
import { SCHEMA_VERSION } from './records.js';

/**
 * The errors about plans and steps that several layers raise, each written once so the same
 * problem reads the same wherever it is reported.
 */

/** `PLAN_NOT_FOUND`: no plan with this id in the store. */
export function planNotFound(planId: string): FlowlineError {
  return new FlowlineError(ErrorCode.PLAN_NOT_FOUND, `no execution plan ${planId}`, { planId });
}

/** `STEP_NOT_FOUND`: the plan has no step with this id. */
export function stepNotFound(planId: string, stepId: number): FlowlineError {
  return new FlowlineError(ErrorCode.STEP_NOT_FOUND, `plan ${planId} has no step ${stepId}`, {
    planId,
    stepId,
  });
}

/** `STEP_NOT_SUSPENDED`: an event was sent to a step that does not take events. */
export function stepNotSuspended(planId: string, step: StepRecord): FlowlineError {
  return new FlowlineError(
    ErrorCode.STEP_NOT_SUSPENDED,
    `step ${step.id} of plan ${planId} is a ${step.phase} step in state ${step.state}; ` +
      'events go to running or suspended run steps',
    { planId, stepId: step.id },
  );
}

/**
 * `INVALID_PLAN` for a plan stored by a newer Flowline, or `undefined` when this one can read it.
 *
 * @param planId - the plan
 * @param schemaVersion - the version its record was stored with
 */
export function newerSchema(planId: string, schemaVersion: number): FlowlineError | undefined {
  if (schemaVersion <= SCHEMA_VERSION) return undefined;
  return new FlowlineError(
    ErrorCode.INVALID_PLAN,
    `plan ${planId} was stored by a newer Flowline (schema version ${schemaVersion}; this one ` +
      `knows ${SCHEMA_VERSION})`,
    { planId },
  );
}

/** `ACTION_NOT_REGISTERED`: a plan uses an action class this world does not know. */
export function actionNotRegistered(
  planId: string,
  action: { readonly id: number; readonly className: string },
): FlowlineError {
  return new FlowlineError(
    ErrorCode.ACTION_NOT_REGISTERED,
    `plan ${planId} uses action "${action.className}" (action ${action.id}), which is not ` +
      'registered in this world',
    { planId, actionId: action.id },
  );
}
