import { instantiate } from '../action/action.js';
import { toError } from '../errors.js';
import type { HookEvent } from '../action/execution-plan-hooks.js';
import type { ActionRegistry } from '../action/registry.js';
import { toExecutionPlan } from '../plan/snapshot.js';
import type { PersistenceAdapter } from '../persistence/adapter.js';
import type { PlanStateEvent } from './events.js';
import type { Logger } from '../shared/logger.js';

/**
 * Calls the execution-plan hooks of a plan's actions after each committed plan state change.
 * Changes of one plan are handled one after another, in order; a hook that throws is logged and
 * never changes the plan. Costs nothing while no registered action has hooks.
 *
 * @internal
 */
export class PlanHookRunner {
  readonly #chains = new Map<string, Promise<void>>();

  constructor(
    private readonly registry: ActionRegistry,
    private readonly adapter: PersistenceAdapter,
    private readonly logger: Logger,
    /** The world's `context` option, which hooks read as `this.context`. */
    private readonly userContext?: unknown,
  ) {}

  /** Queues the hooks for one plan state change. */
  handle(event: PlanStateEvent): void {
    if (!this.registry.hasExecutionPlanHooks) return;
    const previous = this.#chains.get(event.planId) ?? Promise.resolve();
    const next = previous.then(() => this.#run(event));
    this.#chains.set(event.planId, next);
    void next.finally(() => {
      if (this.#chains.get(event.planId) === next) this.#chains.delete(event.planId);
    });
  }

  /** Resolves once every queued hook has run. */
  async idle(): Promise<void> {
    while (this.#chains.size > 0) await Promise.allSettled([...this.#chains.values()]);
  }

  async #run(event: PlanStateEvent): Promise<void> {
    try {
      const stored = await this.adapter.loadPlan(event.planId);
      if (stored === undefined) return;
      const events: HookEvent[] = [event.state];
      // Dynflow: a stopped plan is a failure when its result is error, warning or cancelled.
      if (event.state === 'stopped')
        events.push(event.result === 'success' ? 'success' : 'failure');
      const plan = toExecutionPlan(stored, false);
      for (const record of stored.actions) {
        const cls = this.registry.classOf(record.className);
        const hooks = cls?.executionPlanHooks;
        if (cls === undefined || hooks === undefined || hooks.empty) continue;
        for (const hookEvent of events) {
          for (const method of hooks.methodsFor(hookEvent)) {
            const action = instantiate(cls, {
              planId: plan.id,
              actionId: record.id,
              phase: 'hook',
              input: record.input,
              output: record.output,
              userContext: this.userContext,
            }) as unknown as Record<string, unknown>;
            try {
              await (action[method] as (p: typeof plan, e: HookEvent) => unknown).call(
                action,
                plan,
                hookEvent,
              );
            } catch (error) {
              this.logger.error(
                `execution-plan hook ${record.className}.${method} (${hookEvent}) of plan ` +
                  `${plan.id} threw; the plan is not affected`,
                { error: toError(error) },
              );
            }
          }
        }
      }
    } catch (error) {
      this.logger.error(`running execution-plan hooks of plan ${event.planId} failed`, { error });
    }
  }
}
