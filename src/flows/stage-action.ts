import { Action } from '../action/action.js';
import type { JsonObject, JsonValue } from '../plan/records.js';
import type { FlowlineContext } from '../action/flowline-context.js';
import type { StageInput, StageOutput } from './runtime/stage-io.js';
import { attemptSignals, EndBranch, runStage, stageEvents } from './runtime/run-stage.js';

/** A JSON schema (draft-07) as plain data. */
export type JsonSchema = JsonObject | boolean;

/**
 * A flow stage's action: implement {@link StageAction.process}, which receives the stage's data
 * (its parent's output; the run's input for the entry stage; `{ [parent]: output }` for a join)
 * and its props, and returns the stage's output. Name it with `static actionName` (the `action` of
 * a stage definition) and describe its props with `static propsSchema` (a JSON schema checked when
 * a flow is saved).
 *
 * Stage actions are actions: middleware, `static timeout`, `this.log`, `this.signal` and
 * `this.context` work in them. The base class implements `run`: it hands the data to `process`
 * with the stage settings applied (retries with backoff, `$timeout`, `$fallback`, `$input`
 * warnings) and captures `console.*` calls into the stage's log. Do not override `run`.
 *
 * @typeParam Props - the props `process` receives (stage settings removed)
 * @typeParam In - the data it receives
 * @typeParam Out - what it returns (plain data)
 *
 * @example
 * ```ts
 * class Enrich extends StageAction<{ field: string }> {
 *   static override actionName = 'Enrich';
 *   static override propsSchema = {
 *     type: 'object', properties: { field: { type: 'string' } }, required: ['field'],
 *   };
 *   process(data: JsonValue, props: { field: string }) {
 *     return { ...(data as JsonObject), [props.field]: true };
 *   }
 * }
 * ```
 */
export abstract class StageAction<
  // Props and In type `process` only, which subclasses implement.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  Props extends object = JsonObject,
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  In = JsonValue,
  Out = JsonValue,
  C extends object = FlowlineContext,
> extends Action<StageInput, StageOutput, C> {
  /**
   * JSON schema (draft-07) of the props, without the stage settings (`$` keys, checked
   * separately). `undefined` accepts any props object.
   */
  static propsSchema?: JsonSchema;

  /**
   * Does the stage's work.
   *
   * @param data - the stage's input data
   * @param props - the stage's props, stage settings removed
   * @returns the stage's output: plain data (or `undefined` for none)
   */
  abstract process(data: In, props: Props): Out | Promise<Out>;

  /**
   * Ends this stage's branch of the flow: the stage produces no output and every stage downstream
   * of it is skipped; the run still succeeds. Call it in `process` (as `Filter` does) and return its
   * result: `return this.endBranch('amount below 100')`.
   *
   * @param reason - why, shown in the stage log and in the skipped stages' outputs
   */
  protected endBranch(reason: string): never {
    throw new EndBranch(reason);
  }

  /**
   * Aborted when the current attempt of `process` times out (`$timeout`), or the step must stop
   * early (halt, forced cancel, `static timeout`).
   */
  override get signal(): AbortSignal {
    return attemptSignals.get(this) ?? super.signal;
  }

  /**
   * The event this run of the stage was woken with, after `process` suspended it
   * (`this.suspend(…)`); `undefined` on the first call. `process` is called again with the same
   * data and props when the event comes.
   */
  protected get event(): unknown {
    return stageEvents.get(this);
  }

  /** Runs the stage (implemented by the flows runtime: do not override). */
  async run(event?: unknown): Promise<void> {
    await runStage(this as unknown as StageAction, () => super.signal, event);
  }
}
