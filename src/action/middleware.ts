import { ErrorCode, FlowlineError } from '../errors.js';
import type { JsonValue } from '../plan/records.js';
import type { FlowlineContext } from './flowline-context.js';
import type { ActionClass, AnyAction } from './types.js';

/** What a middleware hook is told about the call it wraps. */
export interface MiddlewareContext {
  /** The action class whose phase runs (for `planPhase`: the plan's root action class). */
  readonly actionClass: ActionClass;
  /** The action instance whose phase runs; absent in `planPhase`, before any action exists. */
  readonly action: AnyAction | undefined;
  /** The execution plan. */
  readonly executionPlanId: string;
  /**
   * The world's services (`new World({ context })`), the object actions read as `this.context`;
   * reading it in a world created without one throws `CONTEXT_MISSING`.
   */
  readonly context: FlowlineContext;
}

/** A {@link MiddlewareContext}: fields of its own, `context` read on the prototype. */
class CallContext implements MiddlewareContext {
  readonly actionClass: ActionClass;
  readonly action: AnyAction | undefined;
  readonly executionPlanId: string;
  readonly #userContext: unknown;

  constructor(fields: Omit<MiddlewareContext, 'context'>, userContext: unknown) {
    this.actionClass = fields.actionClass;
    this.action = fields.action;
    this.executionPlanId = fields.executionPlanId;
    this.#userContext = userContext;
  }

  get context(): FlowlineContext {
    if (this.#userContext === undefined) {
      throw new FlowlineError(
        ErrorCode.CONTEXT_MISSING,
        `middleware of ${this.actionClass.name} read context, but this world has no ` +
          'context; create it with new World({ context: { … } })',
        { planId: this.executionPlanId },
      );
    }
    return this.#userContext as FlowlineContext;
  }
}

/**
 * The {@link MiddlewareContext} of one call; `context` reads the world's `userContext`. (A class,
 * not an object literal with a getter: one is made per phase call that middleware wraps.)
 *
 * @internal
 */
export function middlewareContext(
  fields: Omit<MiddlewareContext, 'context'>,
  userContext: unknown,
): MiddlewareContext {
  return new CallContext(fields, userContext);
}

/**
 * Code around an action's phases, as Dynflow's middleware: every hook is optional, gets `next`
 * (the rest of the chain and, at its end, the action itself) and decides whether, when and with
 * what to call it. A hook that does not call `next` skips the phase.
 *
 * - `plan(next, args, ctx)`: around an action's `plan(...args)`; call `next(args)`, possibly with
 *   other arguments.
 * - `run(next, event, ctx)`: around each `run(event)` call.
 * - `finalize(next, ctx)`: around `finalize()`.
 * - `planPhase(next, ctx)`: around the whole plan phase of a plan whose root action uses it.
 * - `finalizePhase(next, ctx)`: around the whole finalize phase of such a plan.
 *
 * World middleware (World option `middleware`) wraps class middleware; a class's stack starts
 * with what its parent class uses.
 *
 * @example
 * ```ts
 * const timing: Middleware = {
 *   name: 'timing',
 *   async run(next, event, { actionClass, context }) {
 *     const start = performance.now();
 *     let outcome = 'done';
 *     try { await next(event); }
 *     catch (error) { outcome = isSuspension(error) ? 'suspended' : 'failed'; throw error; }
 *     finally { context.metrics.observe(actionClass.name, outcome, performance.now() - start); }
 *   },
 * };
 * class Provision extends Action {
 *   static override middleware = Action.middleware.use(timing);
 * }
 * ```
 */
export interface Middleware {
  /** Names this middleware for `before` / `after` / `replace` placement. */
  readonly name?: string;
  plan?(
    next: (args: readonly unknown[]) => Promise<void>,
    args: readonly unknown[],
    context: MiddlewareContext,
  ): unknown;
  run?(
    next: (event: JsonValue | undefined) => Promise<void>,
    event: JsonValue | undefined,
    context: MiddlewareContext,
  ): unknown;
  finalize?(next: () => Promise<void>, context: MiddlewareContext): unknown;
  planPhase?(next: () => Promise<void>, context: MiddlewareContext): unknown;
  finalizePhase?(next: () => Promise<void>, context: MiddlewareContext): unknown;
}

/** Where `use` puts a middleware relative to one already in the stack (by name). */
export interface MiddlewarePlacement {
  /** Right before (outside of) the named middleware. */
  readonly before?: string;
  /** Right after (inside of) the named middleware. */
  readonly after?: string;
  /** In place of the named middleware. */
  readonly replace?: string;
}

/**
 * An ordered, immutable list of middleware, outermost first. `use` returns a new stack, so a class
 * extends what it inherits without changing its parent.
 */
export class MiddlewareStack {
  /** The middleware, outermost first. */
  readonly entries: readonly Middleware[];

  /** @param entries - middleware, outermost first */
  constructor(entries: readonly Middleware[] = []) {
    for (const entry of entries) assertMiddleware(entry);
    this.entries = Object.freeze([...entries]);
  }

  /**
   * A stack with `middleware` added: innermost by default, or placed relative to a named one.
   *
   * @param middleware - an object of optional hooks
   * @param placement - at most one of `before`, `after`, `replace`
   */
  use(middleware: Middleware, placement: MiddlewarePlacement = {}): MiddlewareStack {
    assertMiddleware(middleware);
    const given = (['before', 'after', 'replace'] as const).filter(
      (k) => placement[k] !== undefined,
    );
    if (given.length > 1) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `middleware placement takes one of before, after or replace, got ${given.join(' and ')}`,
      );
    }
    const [kind] = given;
    if (kind === undefined) return new MiddlewareStack([...this.entries, middleware]);
    const target = placement[kind] as string;
    const index = this.entries.findIndex((entry) => entry.name === target);
    if (index < 0) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `cannot place middleware ${describe(middleware)} ${kind} "${target}": no middleware of ` +
          'that name in the stack',
      );
    }
    const entries = [...this.entries];
    if (kind === 'replace') entries.splice(index, 1, middleware);
    else entries.splice(kind === 'before' ? index : index + 1, 0, middleware);
    return new MiddlewareStack(entries);
  }

  /** A stack with the named middleware removed. */
  without(name: string): MiddlewareStack {
    return new MiddlewareStack(this.entries.filter((entry) => entry.name !== name));
  }

  /** `outer`'s middleware around this stack's (world middleware wraps class middleware). */
  inside(outer: MiddlewareStack): MiddlewareStack {
    return new MiddlewareStack([...outer.entries, ...this.entries]);
  }

  /** Whether the stack is empty. */
  get empty(): boolean {
    return this.entries.length === 0;
  }
}

type Hook = 'plan' | 'run' | 'finalize' | 'planPhase' | 'finalizePhase';

/** Whether any middleware of `stack` has `hook` (so the plain call can be kept). @internal */
export function usesHook(stack: MiddlewareStack, hook: Hook): boolean {
  return stack.entries.some((entry) => typeof Reflect.get(entry, hook) === 'function');
}

/**
 * Composes the `hook` of every middleware in `stack` around `core`, outermost first — the one
 * helper that builds every middleware chain. With no middleware using the hook, `core` itself is
 * returned (no cost).
 *
 * @internal
 */
export function compose<A extends readonly unknown[]>(
  stack: MiddlewareStack,
  hook: Hook,
  core: (...args: A) => Promise<void>,
  context: MiddlewareContext,
): (...args: A) => Promise<void> {
  let chain = core;
  for (let i = stack.entries.length - 1; i >= 0; i--) {
    const middleware = stack.entries[i] as Middleware;
    const fn = Reflect.get(middleware, hook) as ((...params: unknown[]) => unknown) | undefined;
    if (fn === undefined) continue;
    const next = chain;
    chain = async (...args: A) => {
      const nextFn = (...given: unknown[]): Promise<void> => next(...(given as unknown as A));
      await fn.call(middleware, nextFn, ...args, context);
    };
  }
  return chain;
}

function assertMiddleware(value: unknown): asserts value is Middleware {
  if (typeof value !== 'object' || value === null) {
    throw new FlowlineError(ErrorCode.INVALID_ARGUMENT, 'middleware must be an object of hooks');
  }
  for (const hook of ['plan', 'run', 'finalize', 'planPhase', 'finalizePhase'] as const) {
    const fn: unknown = Reflect.get(value, hook);
    if (fn !== undefined && typeof fn !== 'function') {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `middleware ${describe(value)}: ${hook} must be a function`,
      );
    }
  }
}

function describe(middleware: Middleware): string {
  return middleware.name === undefined ? '(unnamed)' : `"${middleware.name}"`;
}
