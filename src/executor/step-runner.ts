import { freeze } from 'immer';
import type { ActionContext, ExecutionScope } from '../action/context.js';
import type { PhaseMethods } from '../action/action.js';
import { instantiate } from '../action/action.js';
import type { SuspendedAction } from '../action/suspend.js';
import { SuspendSignal } from '../action/suspend.js';
import type { ActionClass } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { JsonObject, JsonValue } from '../plan/records.js';
import { cloneJson, toJsonObject } from '../plan/serialization.js';

/** How one execution of a phase ended. @internal */
export type Outcome =
  | { readonly kind: 'success'; readonly output: JsonObject }
  | { readonly kind: 'suspended'; readonly output: JsonObject }
  | { readonly kind: 'error'; readonly error: unknown; readonly output: JsonObject };

/** One execution of `run` or `finalize`. @internal */
export interface PhaseCall {
  readonly cls: ActionClass;
  readonly planId: string;
  readonly actionId: number;
  readonly stepId: number;
  readonly className: string;
  readonly phase: 'run' | 'finalize';
  /** Input with references resolved; frozen here. */
  readonly input: JsonObject;
  /** The last committed output; the action works on a copy. */
  readonly output: JsonObject;
  readonly event: JsonValue | undefined;
  readonly sendEvent: (payload: JsonValue) => Promise<void>;
}

/**
 * Calls an action's `run` or `finalize` and classifies how it ended. Never throws: a thrown error
 * becomes an `error` outcome, `suspend()` a `suspended` one. The output is validated as JSON; a
 * value that cannot be stored fails the step and keeps the last committed output.
 *
 * @internal
 */
export async function invokePhase(call: PhaseCall): Promise<Outcome> {
  // An object, not a boolean: it is set inside the suspend closure.
  const state = { suspended: false };
  let controller: AbortController | undefined;
  const output = cloneJson(call.output);
  const handle: SuspendedAction = {
    executionPlanId: call.planId,
    stepId: call.stepId,
    event: (payload) => call.sendEvent(payload),
  };
  const execution: ExecutionScope = {
    suspend(callback) {
      if (call.phase !== 'run') {
        throw new FlowlineError(ErrorCode.PHASE_MISUSE, 'suspend() is only available in run()', {
          planId: call.planId,
          stepId: call.stepId,
        });
      }
      state.suspended = true;
      callback?.(handle);
      throw new SuspendSignal();
    },
    get signal() {
      controller ??= new AbortController();
      return controller.signal;
    },
  };
  const context: ActionContext = {
    planId: call.planId,
    actionId: call.actionId,
    phase: call.phase,
    input: freeze(call.input, true),
    output,
    execution,
  };
  const action = instantiate(call.cls, context) as unknown as PhaseMethods;
  const method = call.phase === 'run' ? action.run : action.finalize;
  let thrown: unknown;
  let failed = false;
  try {
    const result: unknown = method?.call(action, call.event);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') await result;
  } catch (error) {
    if (!(error instanceof SuspendSignal)) {
      thrown = error;
      failed = true;
    }
  }
  let stored: JsonObject;
  try {
    stored = toJsonObject(output, `output of ${call.className} (action ${call.actionId})`);
  } catch (error) {
    return { kind: 'error', error, output: call.output };
  }
  if (failed) return { kind: 'error', error: thrown, output: stored };
  return { kind: state.suspended ? 'suspended' : 'success', output: stored };
}
