import type { Action } from './action.js';
import type { ExecutionPlanHooks } from './execution-plan-hooks.js';
import type { MiddlewareStack } from './middleware.js';
import type { JsonValue } from '../plan/records.js';
import type { OutputReference } from './output-reference.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import type { RetryOptions } from './step-options.js';

/** Any action, whatever its input and output types. */
export type AnyAction = Action<object, object, object>;

/**
 * What to do when a step of an action fails: `pause` the plan, `skip` the step, `fail` the plan, or
 * `rollback` (run the `compensate()` of every action whose run step succeeded, in reverse
 * completion order, then stop the plan `cancelled`).
 */
export type RescueStrategy = 'pause' | 'skip' | 'fail' | 'rollback';

/**
 * An action class: a subclass of {@link Action}, with the optional statics Flowline reads.
 */
export interface ActionClass<A extends AnyAction = AnyAction> {
  new (): A;
  /** Name the action is stored under. @default the class name */
  readonly actionName?: string;
  /** Milliseconds a `run` or `finalize` call may take, per attempt. */
  readonly timeout?: number;
  /** How a failed `run` or `finalize` call is retried. */
  readonly retry?: RetryOptions;
  /** At most one active plan with this action at its root. */
  readonly singleton?: boolean;
  /** The schema the planned input must match. */
  readonly input?: StandardSchemaV1;
  /** The schema the output must match when `run` ends. */
  readonly output?: StandardSchemaV1;
  /**
   * Whether `run` may safely run again after its process died mid-step: then a world that recovers
   * the plan re-runs the step instead of failing it with `ABNORMAL_TERMINATION`. @default false
   */
  readonly idempotent?: boolean;
  /**
   * An event sent to this action's suspended step when a world recovers its plan after the world
   * executing it died or closed (timers it had planned with `planEvent` are lost then).
   * `PollingAction` uses it to poll again.
   */
  readonly recoveryEvent?: JsonValue;
  /** Middleware around the action's phases. */
  readonly middleware?: MiddlewareStack;
  /** Methods called when the action's plan changes state. */
  readonly executionPlanHooks?: ExecutionPlanHooks;
  /** Plan this action whenever one of the returned actions is planned, with the same arguments. */
  subscribe?(): ActionClass | readonly ActionClass[];
}

/**
 * The input type of an action: of an instance type, its `Action<I, O>` generic; of a class, the
 * output type of its `static input` schema when it sets one, else its instance's.
 *
 * @example
 * ```ts
 * type ChargeInput = InputOf<typeof Charge>; // from `static override input = z.object(…)`
 * ```
 */
export type InputOf<A> = A extends abstract new () => infer Instance
  ? SchemaTypeOf<A, 'input', InputOf<Instance>>
  : A extends Action<infer I, object, object>
    ? I
    : never;

/**
 * The output type of an action: of an instance type, its `Action<I, O>` generic; of a class, the
 * output type of its `static output` schema when it sets one, else its instance's.
 */
export type OutputOf<A> = A extends abstract new () => infer Instance
  ? SchemaTypeOf<A, 'output', OutputOf<Instance>>
  : A extends Action<object, infer O, object>
    ? O
    : never;

/**
 * What a class's `static input` / `static output` schema outputs, or `Otherwise` when the class
 * does not set that static (it is optional on `Action`, so only a set one is a required property).
 */
type SchemaTypeOf<C, K extends 'input' | 'output', Otherwise> = C extends {
  readonly [key in K]: infer S extends StandardSchemaV1;
}
  ? StandardSchemaV1.InferOutput<S>
  : Otherwise;

/** The arguments of an action class's `plan` method. */
export type PlanArgs<C extends ActionClass> = Parameters<InstanceType<C>['plan']>;

/**
 * A handle on an action planned in the current plan, returned by `planAction`.
 */
export interface Planned<A extends AnyAction = AnyAction> {
  /** The action id within the plan. */
  readonly id: number;
  /** The action's registered name. */
  readonly className: string;
  /** The input given to `planSelf` (empty until the action calls it). */
  readonly input: Readonly<InputOf<A>>;
  /** References to the action's future output, for other actions' input. */
  readonly output: OutputReference<OutputOf<A>>;
}
