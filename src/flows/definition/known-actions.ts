import { ErrorCode, FlowlineError } from '../../errors.js';
import { describeValue } from '../../shared/describe-value.js';
import { packagedStageActions } from '../actions/index.js';
import type { StageActionClass } from '../flows-types.js';

/** The stage actions a flow may name, by name. @internal */
export type KnownActions = ReadonlyMap<string, StageActionClass>;

/**
 * The stage actions known to a flow: the packaged ones and the user's, each by its
 * `static actionName`, else its class name. A user's action of the same name as a packaged one
 * takes its place.
 *
 * @throws FlowlineError `INVALID_ARGUMENT` when `actions` holds something other than a class
 * @internal
 */
export function knownActions(actions: readonly StageActionClass[] = []): KnownActions {
  const given: unknown = actions;
  if (!Array.isArray(given)) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `parseFlow: options.actions must be an array of StageAction classes, got ${describeValue(given)}`,
    );
  }
  for (const [index, action] of (given as readonly unknown[]).entries()) {
    if (typeof action !== 'function') {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `parseFlow: options.actions[${index}] must be a StageAction class, got ${describeValue(action)}`,
      );
    }
  }
  const known = new Map<string, StageActionClass>();
  for (const action of [...packagedStageActions, ...actions])
    known.set(stageActionName(action), action);
  return known;
}

/**
 * The name a flow's stages use for a stage action: `static actionName`, else the class name.
 *
 * @internal
 */
export function stageActionName(action: StageActionClass): string {
  return action.actionName ?? action.name;
}

/**
 * `(known: A, B, C)`, for an unknown-action message.
 *
 * @internal
 */
export function knownList(known: KnownActions): string {
  if (known.size === 0) return '(no stage actions are known)';
  return `(known: ${[...known.keys()].map((name) => JSON.stringify(name)).join(', ')})`;
}
