import type { JsonObject, JsonValue } from '../plan/records.js';
import type { PlanResult, PlanState } from '../plan/states.js';

/**
 * Every event the engine sends or plans for a step itself, as opposed to an application's own
 * payloads. Each is a JSON object whose reserved key `$flowline` names its kind, so none can be
 * mistaken for application data; they are stored in the event queue like any other event.
 *
 * - `poll`: a `PollingAction` step's next poll (planned between polls, and sent after a restart);
 * - `timeout`: what `scheduleTimeout(ms)` plans (`{ $flowline: 'timeout', afterMs }`);
 * - `subPlansNextBatch`: a `SubPlansAction` step asks itself to start its next batch;
 * - `subPlansRecount`: sent to a suspended `SubPlansAction` step after a restart;
 * - `subPlanNotice`: a sub-plan paused or stopped (`{ $flowline: 'subPlanNotice', planId, state,
 *   result, worldId }`), sent to its parent step.
 *
 * @internal
 */
export const ControlEvent = {
  poll: 'poll',
  timeout: 'timeout',
  subPlansNextBatch: 'subPlansNextBatch',
  subPlansRecount: 'subPlansRecount',
  subPlanNotice: 'subPlanNotice',
} as const;
/** Union of {@link ControlEvent} values. @internal */
export type ControlEvent = (typeof ControlEvent)[keyof typeof ControlEvent];

/** The reserved key that marks a control event. @internal */
export const CONTROL_KEY = '$flowline';

/**
 * Sub-plan notices in the form first released (`{ $flowlineSubPlan: { … } }`); still read, so
 * that a notice queued before an upgrade is delivered after it.
 */
const LEGACY_NOTICE_KEY = '$flowlineSubPlan';

/**
 * A control event of `kind` with `fields`; frozen, so one value can be shared.
 *
 * @internal
 */
export function controlEvent(kind: ControlEvent, fields: JsonObject = {}): JsonObject {
  return Object.freeze({ [CONTROL_KEY]: kind, ...fields });
}

/**
 * Whether `event` is a control event of the given kind.
 *
 * @internal
 */
export function isControlEvent(event: unknown, kind: ControlEvent): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    !Array.isArray(event) &&
    (event as { [CONTROL_KEY]?: unknown })[CONTROL_KEY] === kind
  );
}

/** What a parent step is told when one of its sub-plans pauses or stops. @internal */
export interface SubPlanNotice {
  readonly planId: string;
  readonly state: PlanState;
  readonly result: PlanResult;
  /** The world that heard the change (its tracker has already applied it). */
  readonly worldId: string;
}

/** The event that carries a {@link SubPlanNotice}. @internal */
export function subPlanNotice(notice: SubPlanNotice): JsonObject {
  return controlEvent(ControlEvent.subPlanNotice, { ...notice });
}

/**
 * The notice an event carries, or `undefined` when it is not a sub-plan notice (new or legacy form).
 *
 * @internal
 */
export function subPlanNoticeOf(event: JsonValue | undefined): SubPlanNotice | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  const legacy = event[LEGACY_NOTICE_KEY];
  const body = isControlEvent(event, ControlEvent.subPlanNotice) ? event : legacy;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { planId, state, result, worldId } = body;
  if (typeof planId !== 'string' || typeof state !== 'string' || typeof result !== 'string') {
    return undefined;
  }
  return {
    planId,
    state: state as PlanState,
    result: result as PlanResult,
    worldId: typeof worldId === 'string' ? worldId : '',
  };
}
