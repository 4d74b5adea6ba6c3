import type { AnyAction, ActionClass } from '../../action/types.js';
import type { ExecutionPlan } from '../../plan/records.js';
import type { Clock } from '../../shared/clock.js';
import type { FlowDefinition } from '../definition/types.js';

/**
 * What the stage actions of a world need from its `Flows`: found through the class the world
 * registered (each `Flows` registers subclasses of the stage actions bound to it, so two worlds in
 * one process never share state).
 *
 * @internal
 */
export interface FlowsHost {
  /** The world's clock (stage retries and timeouts wait on it). */
  readonly clock: Clock;
  /** The registered (bound) class of a stage action, by its name. */
  stageClass(action: string): ActionClass | undefined;
  /** The bound root action of flow runs. */
  readonly runClass: ActionClass;
  /** The definition and version a `Run Flow` stage runs. */
  definitionFor(flow: string): Promise<{ version: number; definition: FlowDefinition }>;
  /** A plan by id (a `Map`'s item runs, a `Run Flow`'s child). */
  plan(id: string): Promise<ExecutionPlan | undefined>;
}

const HOST: unique symbol = Symbol('flowline.flows.host');

interface BoundClass {
  [HOST]?: FlowsHost;
}

/**
 * A subclass of `cls` bound to `host`, registered under the same name.
 *
 * @internal
 */
export function bindToHost<C extends ActionClass>(cls: C, name: string, host: FlowsHost): C {
  const Base = cls as unknown as new () => AnyAction;
  const bound = class extends Base {};
  Object.defineProperty(bound, 'name', { value: cls.name });
  Object.defineProperty(bound, 'actionName', { value: name, enumerable: true });
  Object.defineProperty(bound, HOST, { value: host });
  return bound as unknown as C;
}

/**
 * The `Flows` host of a stage action instance, or `undefined` when it runs outside one (the
 * single-action test harness).
 *
 * @internal
 */
export function hostOf(action: object): FlowsHost | undefined {
  return (action.constructor as BoundClass)[HOST];
}
