import { instantiateLike } from '../../action/action.js';
import { isSuspension } from '../../action/suspend.js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import { systemClock } from '../../shared/clock.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';
import type { StageAction } from '../stage-action.js';
import { withAttempts } from './attempts.js';
import { hostOf } from './binding.js';
import { capturingConsole } from './console-capture.js';
import { inputWarning } from './input-warning.js';
import type { StageInput, StageSource } from './stage-io.js';
import { runtimeSettings } from './stage-settings.js';

/** The message of a thrown value. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Thrown by `StageAction.endBranch`: the stage's branch ends here. @internal */
export class EndBranch extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EndBranch';
  }
}

/** The data a stage receives, or why it is skipped. @internal */
export type StageData =
  | { readonly skipped: false; readonly data: JsonValue | undefined }
  | { readonly skipped: true; readonly reason: string };

/**
 * The data of a stage from its source: a join gets `{ [parent]: value }`; a stage with a parent
 * that was skipped (a `Filter` ended its branch) is skipped too.
 *
 * @internal
 */
export function stageData(source: StageSource): StageData {
  if (!isSource(source)) {
    throw new FlowlineError(
      ErrorCode.INVALID_PLAN,
      `a flow stage's stored input is damaged: its source is ${JSON.stringify(source)}`,
      { details: { retryable: false } },
    );
  }
  switch (source.kind) {
    case 'value':
      return { skipped: false, data: source.value };
    case 'parent':
      if (source.output.skipped !== undefined) {
        return { skipped: true, reason: source.output.skipped };
      }
      return { skipped: false, data: source.output.value };
    case 'join': {
      const data: JsonObject = {};
      for (const [parent, output] of Object.entries(source.outputs)) {
        if (output.skipped !== undefined) return { skipped: true, reason: output.skipped };
        if (output.value !== undefined) data[parent] = output.value;
      }
      return { skipped: false, data };
    }
  }
}

/** Whether a stored value is a stage source the runtime understands. */
function isSource(value: unknown): value is StageSource {
  if (typeof value !== 'object' || value === null) return false;
  const source = value as { kind?: unknown; output?: unknown; outputs?: unknown };
  switch (source.kind) {
    case 'value':
      return true;
    case 'parent':
      return typeof source.output === 'object' && source.output !== null;
    case 'join':
      return (
        typeof source.outputs === 'object' &&
        source.outputs !== null &&
        Object.values(source.outputs).every(
          (output) => typeof output === 'object' && output !== null,
        )
      );
    default:
      return false;
  }
}

/**
 * The props a stage's `process` receives: its props without the stage settings (`$` keys).
 *
 * @internal
 */
export function actionProps(props: JsonObject): JsonObject {
  const plain: JsonObject = {};
  for (const [key, value] of Object.entries(props)) {
    if (!key.startsWith('$')) plain[key] = value;
  }
  return plain;
}

/** The event each stage's current `run` call received (read by `StageAction.event`). @internal */
export const stageEvents = new WeakMap<object, unknown>();

/** The signal of each stage's current attempt (read by `StageAction.signal`). @internal */
export const attemptSignals = new WeakMap<object, AbortSignal>();

/**
 * The run step of every stage action: skips it when a `Filter` upstream ended its branch, warns
 * about an `$input` mismatch, calls `process` with retries and `$timeout`, captures its
 * `console.*` calls, and runs the `$fallback` when every attempt failed.
 *
 * @internal
 */
export async function runStage(
  stage: StageAction,
  baseSignal: () => AbortSignal,
  event: unknown,
): Promise<void> {
  stageEvents.set(stage, event);
  const input: StageInput = stage.input;
  const output = stage.output;
  const data = stageData(input.source);
  if (data.skipped) {
    output.skipped = data.reason;
    stage.log.info(`skipped: ${data.reason}`);
    return;
  }
  const host = hostOf(stage);
  // Outside a Flows (the single-action test harness) only an explicit `$retry` retries.
  const settings = runtimeSettings(input.props, host !== undefined);
  if (settings.input !== undefined) {
    const warning = inputWarning(settings.input, data.data, input.stage);
    if (warning !== undefined) {
      output.warnings = [warning];
      stage.log.warn(warning);
    }
  }
  const where = `stage "${input.stage}" of flow "${input.flow}"`;
  const props = actionProps(input.props);
  const call = (action: StageAction, args: JsonObject) => (signal: AbortSignal | undefined) =>
    capturingConsole(
      () => stage.log,
      async () => {
        if (signal !== undefined) attemptSignals.set(action, signal);
        try {
          return await action.process(data.data as JsonValue, args);
        } finally {
          attemptSignals.delete(action);
        }
      },
    );
  const options = {
    clock: host?.clock ?? systemClock,
    log: () => stage.log,
    signal: baseSignal,
    retry: settings.retry,
    timeoutMs: settings.timeoutMs,
    where,
    planId: stage.executionPlanId,
    stepId: stage.stepId,
  };
  const isEnd = (error: unknown): boolean => error instanceof EndBranch;
  // A suspension (process called this.suspend) ends the call as it is: never retried.
  const stop = (error: unknown): boolean => isEnd(error) || isSuspension(error);
  let result: { value: unknown; attempts: number };
  try {
    result = await withAttempts(({ signal }) => call(stage, props)(signal), options, stop);
  } catch (error) {
    if (isSuspension(error)) throw error;
    if (isEnd(error)) {
      output.skipped = `stage "${input.stage}" ended this branch: ${(error as EndBranch).reason}`;
      stage.log.info(`branch ended: ${(error as EndBranch).reason}`);
      return;
    }
    const fallback = settings.fallback;
    const cls = fallback === undefined ? undefined : host?.stageClass(fallback.action);
    if (fallback === undefined || cls === undefined) throw error;
    const message = errorText(error);
    stage.log.warn(`${where} failed (${message}); running its fallback "${fallback.action}"`);
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a bound class of a StageAction
    const replacement = instantiateLike(cls, stage) as StageAction;
    result = await withAttempts(({ signal }) => call(replacement, fallback.props)(signal), {
      ...options,
      retry: undefined,
    });
    output.fellBack = message;
  }
  if (result.value !== undefined) output.value = result.value as JsonValue;
  if (result.attempts > 1) output.attempts = result.attempts;
}
