import { ErrorCode, FlowlineError } from '../errors.js';
import type { JsonValue } from '../plan/records.js';
import type { ActionContext, ExecutionScope, PlanningScope } from './context.js';
import { ExecutionPlanHooks } from './execution-plan-hooks.js';
import type { FlowlineContext } from './flowline-context.js';
import { MiddlewareStack } from './middleware.js';
import { binder } from './context.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { RetryOptions } from './step-options.js';
import type { StepLog } from './step-log.js';
import type { SuspendedAction } from './suspend.js';
import type { TimeoutEvent } from './timeouts.js';
import { isTimeoutEvent, timeoutEvent } from './timeouts.js';
import type { ActionClass, AnyAction, PlanArgs, Planned, RescueStrategy } from './types.js';
import type { SuspendOptions } from './wait-for.js';

/** The key of {@link Action}'s brand: registered, so the same in every copy of Flowline. */
const ACTION_BRAND: unique symbol = Symbol.for('flowline.Action');

/**
 * The building block of execution plans. Subclass it and define any of three phases:
 *
 * - `plan(...args)` composes the plan: `planSelf(input)` schedules this action's own `run` and
 *   `finalize`, `planAction(Other, ...args)` plans another action where it is called, and
 *   `sequence` / `concurrence` order them. Default: `planSelf(args[0] ?? {})`.
 * - `run(event?)` does the work, reading `this.input` and writing `this.output`. It may call
 *   `suspend()` to wait for an external event without holding a worker; `run(event)` is then
 *   called again with the event.
 * - `finalize()` runs once every run step of the plan succeeded, in `planSelf` order.
 * - `compensate()` undoes what a successful `run` did, when the plan is rolled back
 *   (`world.rollback`, or rescue strategy `'rollback'`); it reads `this.input` and the output its
 *   run step committed (`this.output`, read-only here). See the compensation guide.
 *
 * `run`, `finalize` and `compensate` are looked up by name, so declare them as ordinary methods.
 *
 * @example
 * ```ts
 * class CreateMachine extends Action<{ name: string }, { id: string }> {
 *   async run() { this.output.id = await cloud.create(this.input.name); }
 * }
 * ```
 */
export class Action<
  I extends object = Record<string, unknown>,
  // O appears once in the signature but is what users read and write as `this.output`.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  O extends object = Record<string, unknown>,
  // C types `this.context`: by default the declaration-merged FlowlineContext.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  C extends object = FlowlineContext,
> {
  #context: ActionContext | undefined;

  /**
   * Methods of this action to call when its plan changes state; see {@link ExecutionPlanHooks}.
   * Extend the inherited set with `use`, trim it with `doNotUse`.
   */
  static executionPlanHooks: ExecutionPlanHooks = new ExecutionPlanHooks();

  /**
   * Middleware around this action's phases; see {@link Middleware}. Extend the inherited stack with
   * `use` (world middleware wraps it).
   */
  static middleware: MiddlewareStack = new MiddlewareStack();

  // The statics below are declared (not set) so that a subclass sets them with `static override`,
  // and a misspelt one (`static override tiemout`) does not compile. Their values are checked when
  // the class is registered: a bad one is `INVALID_ACTION`, naming the class and the static.

  /** The name the action is stored under. @default the class name */
  declare static actionName?: string;

  /** Milliseconds a `run` or `finalize` call may take, per attempt (a positive number). */
  declare static timeout?: number;

  /** How a failed `run` or `finalize` call is retried; see {@link RetryOptions}. */
  declare static retry?: RetryOptions;

  /** At most one active plan with this action at its root, across worlds. @default false */
  declare static singleton?: boolean;

  /**
   * Whether `run` may safely run again after its process died mid-step: then a world that recovers
   * the plan re-runs the step instead of failing it with `ABNORMAL_TERMINATION`. @default false
   */
  declare static idempotent?: boolean;

  /**
   * A Standard Schema (zod, valibot, arktype, …) the input given to `planSelf` must match: a
   * mismatch fails this action's plan step with `INVALID_INPUT`. Its output (defaults, transforms)
   * is the stored input.
   */
  declare static input?: StandardSchemaV1;

  /**
   * A Standard Schema the output must match when `run` ends (not when it suspends): a mismatch
   * fails the run step with `INVALID_OUTPUT`. Its output is the stored output.
   */
  declare static output?: StandardSchemaV1;

  /** Plan this action whenever one of the returned actions is planned, with the same arguments. */
  static subscribe?(): ActionClass | readonly ActionClass[];

  /**
   * Marks this class as Flowline's `Action` by a registered symbol, `Symbol.for('flowline.Action')`,
   * which every copy of Flowline shares: so a class extending another copy (a second installation,
   * or the CommonJS build next to the ES module one) is recognised as an action of that copy, where
   * its class name cannot be trusted (bundlers rename classes). Inherited by every subclass.
   *
   * @internal
   */
  static readonly [ACTION_BRAND] = true;

  static {
    binder.bind = (action, context) => {
      (action as Action).#context = context;
    };
    binder.read = (action) => (action as Action).#context;
  }

  /**
   * Composes the plan. The default plans this action itself with the first argument as input,
   * when the class defines `run` or `finalize`.
   *
   * @param args - the arguments given to `trigger` or `planAction`
   */
  plan(...args: unknown[]): void | Promise<void> {
    const self = this as unknown as { run?: unknown; finalize?: unknown };
    if (typeof self.run === 'function' || typeof self.finalize === 'function') {
      this.planSelf((args[0] ?? {}) as I);
    }
  }

  /**
   * What to do when one of this action's steps fails: `pause` the plan (default), `skip` the step
   * and go on, `fail` the plan, or `rollback` it (compensate what succeeded, then stop it
   * `cancelled`). Combined over the actions with a failed step: any `pause` → pause; else any
   * `rollback` → rollback; else all `skip` → skip, all `fail` → fail, a mix → pause.
   */
  rescueStrategy(): RescueStrategy {
    return 'pause';
  }

  /** The action id within its plan. */
  get id(): number {
    return this.#bound('id').actionId;
  }

  /** The execution plan this action belongs to. */
  get executionPlanId(): string {
    return this.#bound('executionPlanId').planId;
  }

  /**
   * The step being executed: readable in `run()` (and `finalize()`) before suspending, so that a
   * callback URL naming the step can be built first. Elsewhere it throws `PHASE_MISUSE`.
   */
  get stepId(): number {
    return this.#executing('stepId').stepId;
  }

  /** The action's input (set by `planSelf`; output references resolved when running). */
  get input(): Readonly<I> {
    return this.#bound('input').input as Readonly<I>;
  }

  /** The action's output: write it in `run`; it is persisted when the step ends. */
  get output(): O {
    return this.#bound('output').output as O;
  }

  /** In a subscriber's `plan`: the handle of the action that triggered it. */
  get trigger(): Planned | undefined {
    return this.#bound('trigger').planning?.trigger;
  }

  /** Aborted when the step must stop early (timeouts, halt and forced cancel abort it). */
  get signal(): AbortSignal {
    return this.#executing('signal').signal;
  }

  /**
   * The services of the world running this action: the `context` given to `new World({ context })`,
   * the same object in every phase (never stored). Typed by the {@link FlowlineContext} interface
   * (declaration merging), or by the class's third type argument: `Action<I, O, Services>`.
   *
   * @throws FlowlineError `CONTEXT_MISSING` when the world was created without a context
   */
  get context(): C {
    const { userContext } = this.#bound('context');
    if (userContext === undefined) {
      throw new FlowlineError(
        ErrorCode.CONTEXT_MISSING,
        `${this.constructor.name}.context: this world has no context; create it with ` +
          'new World({ context: { … } })',
        { actionId: this.id, planId: this.executionPlanId },
      );
    }
    return userContext as C;
  }

  /**
   * The log of the current step: lines written in `plan` belong to this action's plan step, lines
   * written in `run` / `finalize` to that step. They are stored with the step (after its commit) and
   * read back with `world.stepLog(planId, stepId?)`. `meta` must be plain data (concepts guide:
   * values); meta that is not is dropped with a warning line, never failing the step.
   *
   * @example
   * ```ts
   * async run() {
   *   this.log.info('creating machine', { name: this.input.name });
   * }
   * ```
   */
  get log(): StepLog {
    const context = this.#bound('log');
    const scope = context.execution ?? context.planning;
    if (scope === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.constructor.name}.log is only available in plan(), run() and finalize()`,
        { actionId: this.id, planId: this.executionPlanId },
      );
    }
    return scope.log;
  }

  /**
   * This action's weight in its plan's progress, read once per step when `planSelf` creates the run
   * and finalize steps (`this.input` is already set). Override it for actions that take longer than
   * others. Must return a finite number ≥ 0; anything else fails planning with `INVALID_ACTION`.
   *
   * @param _phase - the step being weighed: `'run'` or `'finalize'`
   * @returns the weight; the default is 1
   */
  progressWeight(_phase: 'run' | 'finalize'): number {
    return 1;
  }

  /**
   * How far the run step is (0..1), read each time `run` suspends, so a long-running step can report
   * progress between events. Values are clamped to 0..1; anything that is not a finite number
   * counts as 0 (with a warning in the step log). A step that succeeded or was skipped is done (1)
   * whatever this returns.
   *
   * @returns the progress of a suspended run step; the default is 0
   */
  progressDone(): number {
    return 0;
  }

  /**
   * Plans this action's own run and finalize steps, at the current place in the flow.
   *
   * @param input - the input: plain data (concepts guide: values; a `Date` becomes its ISO text,
   *   anything else that is not JSON is refused with `UNSERIALIZABLE_VALUE`), which may contain
   *   other actions' output references
   * @returns this action, for chaining
   */
  planSelf(input: I): this {
    const scope = this.#planning('planSelf');
    // The weight is only asked for when the class overrides progressWeight.
    if (this.progressWeight === Action.prototype.progressWeight) scope.planSelf(input);
    else scope.planSelf(input, (phase) => this.progressWeight(phase));
    return this;
  }

  /**
   * Plans another action at the current place in the flow and returns its handle at once.
   *
   * @param action - a registered action class
   * @param args - the arguments its `plan` receives
   */
  planAction<C extends ActionClass>(action: C, ...args: PlanArgs<C>): Planned<InstanceType<C>> {
    return this.#planning('planAction').planAction(action, args) as Planned<InstanceType<C>>;
  }

  /**
   * Runs what `fn` plans one after another. `fn` must be synchronous.
   *
   * @returns what `fn` returns
   */
  sequence<T>(fn: () => T): T {
    return this.#planning('sequence').compose('sequence', fn);
  }

  /**
   * Runs what `fn` plans at the same time. `fn` must be synchronous.
   *
   * @returns what `fn` returns
   */
  concurrence<T>(fn: () => T): T {
    return this.#planning('concurrence').compose('concurrence', fn);
  }

  /**
   * Ends this `run` call and suspends the step without holding a worker. `callback` receives the
   * handle to wake it; the next event calls `run(event)` again.
   *
   * @param callback - called right away with the {@link SuspendedAction} handle
   */
  suspend(callback?: (handle: SuspendedAction) => void): never;
  /**
   * Ends this `run` call and suspends the step until a message named `options.waitFor` is sent to
   * its plan (`world.send(planId, name, payload)`): `run(payload)` is then called. A message sent
   * before the step waits was kept and is delivered at once. With `timeoutMs`, `run` receives a
   * {@link TimeoutEvent} (see {@link Action.isTimeout}) when no message came in time. The wait is
   * stored with the step: it survives a restart.
   *
   * @param options - the message name and an optional timeout
   * @throws FlowlineError `INVALID_ARGUMENT` for a bad name or timeout (the `run` call fails)
   */
  suspend(options: SuspendOptions): never;
  suspend(how?: ((handle: SuspendedAction) => void) | SuspendOptions): never {
    return this.#executing('suspend').suspend(how);
  }

  /**
   * Plans an event for this step: `delayMs` after now on the world's clock, `payload` is sent to it
   * as `world.event` would, calling `run(payload)`. Call it before `suspend()` in the same `run`
   * call: the event is only sent if this call suspends the step, and dropped if the step has ended
   * by then. Timers live in memory: they do not survive the world closing.
   *
   * @example
   * ```ts
   * run(event?: JsonValue) {
   *   if (event === undefined) {
   *     this.planEvent({ check: true }, 30_000);
   *     this.suspend();
   *   }
   * }
   * ```
   *
   * @param payload - plain data (concepts guide: values), else this throws `UNSERIALIZABLE_VALUE`
   * @param delayMs - the delay in ms, a finite number >= 0
   */
  planEvent(payload: JsonValue, delayMs: number): void {
    this.#executing('planEvent').planEvent(payload, delayMs);
  }

  /**
   * Plans a timeout event for this step `ms` from now (Dynflow's `schedule_timeout`): `run` receives
   * a {@link TimeoutEvent}, recognised with {@link Action.isTimeout}. Like {@link Action.planEvent},
   * it is only sent if this call suspends, and dropped if the step has ended by then.
   *
   * @param ms - the delay in ms, a finite number >= 0
   */
  scheduleTimeout(ms: number): void {
    this.#executing('scheduleTimeout').planEvent(timeoutEvent(ms), ms);
  }

  /**
   * Whether `run` received the event `scheduleTimeout` planned.
   *
   * @param event - the event `run` was called with
   */
  static isTimeout(event: unknown): event is TimeoutEvent {
    return isTimeoutEvent(event);
  }

  #bound(what: string): ActionContext {
    if (this.#context === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.constructor.name}.${what} is only available to actions the engine created; ` +
          'plan actions with world.trigger or planAction instead of new',
      );
    }
    return this.#context;
  }

  #planning(what: string): PlanningScope {
    const scope = this.#bound(what).planning;
    if (scope === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.constructor.name}.${what} can only be called in plan()`,
        { actionId: this.id, planId: this.executionPlanId },
      );
    }
    return scope;
  }

  #executing(what: string): ExecutionScope {
    const scope = this.#bound(what).execution;
    if (scope === undefined) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.constructor.name}.${what} is only available in run()`,
        { actionId: this.id, planId: this.executionPlanId },
      );
    }
    return scope;
  }
}

/**
 * Creates an action instance bound to the engine.
 *
 * @internal
 */
export function instantiate(cls: ActionClass, context: ActionContext): AnyAction {
  const action = new cls();
  binder.bind?.(action, context);
  return action;
}

/**
 * Creates an instance of `cls` bound to the same engine context as `action` (same step, input,
 * output, log and signal): a flow stage's fallback runs this way, in the step of the stage it
 * replaces.
 *
 * @internal
 */
export function instantiateLike(cls: ActionClass, action: AnyAction): AnyAction {
  const context = binder.read?.(action);
  if (context === undefined) {
    throw new FlowlineError(
      ErrorCode.PHASE_MISUSE,
      `${cls.name} can only share the context of an action the engine created`,
    );
  }
  return instantiate(cls, context);
}

/** The phase methods of an action, looked up by name. @internal */
export interface PhaseMethods {
  run?: (event?: unknown) => unknown;
  finalize?: () => unknown;
  compensate?: () => unknown;
  cancel?: (force: boolean) => unknown;
}

/** Whether an action class defines `compensate()`. @internal */
export function isCompensable(cls: ActionClass): boolean {
  return typeof (cls.prototype as PhaseMethods).compensate === 'function';
}

/** Whether an action class is cancellable (defines `cancel(force)`). @internal */
export function isCancellable(cls: ActionClass): boolean {
  return typeof (cls.prototype as PhaseMethods).cancel === 'function';
}

/** Whether an action class defines `run` / `finalize`. @internal */
export function phasesOf(cls: ActionClass): { run: boolean; finalize: boolean } {
  const proto = cls.prototype as PhaseMethods;
  return { run: typeof proto.run === 'function', finalize: typeof proto.finalize === 'function' };
}
