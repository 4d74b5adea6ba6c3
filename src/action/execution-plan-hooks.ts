import { ErrorCode, FlowlineError } from '../errors.js';
import type { PlanState } from '../plan/states.js';
import { PlanState as PlanStates } from '../plan/states.js';

/** When a hook runs: on a plan state, or when the plan stops with `success` or a `failure`. */
export type HookEvent = PlanState | 'success' | 'failure';

const EVENTS: ReadonlySet<string> = new Set<string>([
  ...Object.values(PlanStates),
  'success',
  'failure',
]);

/** One registered hook. */
export interface HookEntry {
  /** Name of the action method to call. */
  readonly method: string;
  /** The events it runs on; `undefined` means every state the plan passes. */
  readonly on: readonly HookEvent[] | undefined;
}

/**
 * The execution-plan hooks of an action class, as Dynflow's `execution_plan_hooks`: methods of the
 * action called when its plan changes state. Immutable — `use` and `doNotUse` return a new set, so
 * a subclass extends or trims what it inherits without changing its parent.
 *
 * A hook is called as `method(plan, event)` with the plan as stored after the change, once the
 * change is committed. Hooks never change a plan's outcome: one that throws is logged and ignored.
 * `success` runs when the plan stops with result `success`; `failure` when it stops with `warning`,
 * `error` or `cancelled`.
 *
 * @example
 * ```ts
 * class Deploy extends Action {
 *   static override executionPlanHooks = Action.executionPlanHooks
 *     .use('notifyTeam', { on: ['success', 'failure'] })
 *     .use('audit'); // every state the plan passes
 *   notifyTeam(plan: ExecutionPlan, event: HookEvent) { … }
 *   audit(plan: ExecutionPlan, event: HookEvent) { … }
 * }
 * class QuietDeploy extends Deploy {
 *   static override executionPlanHooks = Deploy.executionPlanHooks.doNotUse('notifyTeam');
 * }
 * ```
 */
export class ExecutionPlanHooks {
  /** The registered hooks, in registration order. */
  readonly entries: readonly HookEntry[];

  /** @param entries - hooks to start from */
  constructor(entries: readonly HookEntry[] = []) {
    this.entries = Object.freeze([...entries]);
  }

  /**
   * A set with `method` added (replacing an earlier registration of the same method).
   *
   * @param method - the action method to call
   * @param options - `on`: the events to run on; by default every state the plan passes
   */
  use(method: string, options: { on?: HookEvent | readonly HookEvent[] } = {}): ExecutionPlanHooks {
    if (typeof method !== 'string' || method === '') {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'a hook needs the name of an action method',
      );
    }
    const on = options.on === undefined ? undefined : ([] as HookEvent[]).concat(options.on);
    for (const event of on ?? []) {
      if (!EVENTS.has(event)) {
        throw new FlowlineError(
          ErrorCode.INVALID_ARGUMENT,
          `hook ${method}: unknown event "${event}"; use a plan state, 'success' or 'failure'`,
        );
      }
    }
    return new ExecutionPlanHooks([
      ...this.entries.filter((e) => e.method !== method),
      { method, on },
    ]);
  }

  /** A set without `method` (an inherited hook this class does not want). */
  doNotUse(method: string): ExecutionPlanHooks {
    return new ExecutionPlanHooks(this.entries.filter((e) => e.method !== method));
  }

  /** The methods to call for `event`, in registration order. */
  methodsFor(event: HookEvent): string[] {
    return this.entries
      .filter((e) =>
        e.on === undefined ? event !== 'success' && event !== 'failure' : e.on.includes(event),
      )
      .map((e) => e.method);
  }

  /** Whether no hook is registered. */
  get empty(): boolean {
    return this.entries.length === 0;
  }
}
