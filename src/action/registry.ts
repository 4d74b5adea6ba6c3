import { ErrorCode, FlowlineError, storableText, toError } from '../errors.js';
import { describeValue } from '../shared/describe-value.js';
import { Action } from './action.js';
import { ExecutionPlanHooks } from './execution-plan-hooks.js';
import { MiddlewareStack } from './middleware.js';
import { checkStatics } from './static-checks.js';
import type { ActionClass } from './types.js';

/**
 * The actions a world knows, by their stored name, and who subscribes to whom.
 *
 * @internal
 */
export class ActionRegistry {
  readonly #byName = new Map<string, ActionClass>();
  readonly #names = new Map<ActionClass, string>();
  /** What each registered class's `subscribe()` named, checked when it was registered. */
  readonly #subscriptions = new Map<ActionClass, readonly ActionClass[]>();
  #subscribers: Map<ActionClass, ActionClass[]> | undefined;
  #hooks = false;
  #worldMiddleware = new MiddlewareStack();
  readonly #middleware = new Map<ActionClass, MiddlewareStack>();

  /** Sets the world's middleware, which wraps every class's own. */
  useWorldMiddleware(stack: MiddlewareStack): void {
    this.#worldMiddleware = stack;
    this.#middleware.clear();
  }

  /** The middleware around `cls`'s phases: the world's, then the class's (parents first). */
  middlewareOf(cls: ActionClass): MiddlewareStack {
    let stack = this.#middleware.get(cls);
    if (stack === undefined) {
      stack = (cls.middleware ?? new MiddlewareStack()).inside(this.#worldMiddleware);
      this.#middleware.set(cls, stack);
    }
    return stack;
  }

  /** Whether any registered class has execution-plan hooks. */
  get hasExecutionPlanHooks(): boolean {
    return this.#hooks;
  }

  /** Registers action classes; registering the same class twice is harmless. */
  register(...classes: readonly ActionClass[]): void {
    for (const cls of classes) this.#add(cls);
    this.#subscribers = undefined;
  }

  #add(cls: ActionClass): void {
    if (typeof cls !== 'function' || !(cls.prototype instanceof Action)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register ${describe(cls)}: actions must be classes that extend Action`,
      );
    }
    if (this.#names.has(cls)) return;
    const given: unknown = cls.actionName;
    if (given !== undefined && (typeof given !== 'string' || given === '')) {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register ${describe(cls)}: static actionName must be a non-empty string, got ` +
          describeValue(given),
      );
    }
    const name = cls.actionName ?? cls.name;
    if (typeof name === 'string' && name !== '' && storableText(name) !== name) {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register action ${JSON.stringify(name)}: its name contains U+0000 or a lone ` +
          'surrogate, which no store can keep',
      );
    }
    if (typeof name !== 'string' || name === '') {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        'cannot register an anonymous action class: give it a name or a static actionName',
      );
    }
    const existing = this.#byName.get(name);
    if (existing !== undefined) {
      throw new FlowlineError(
        ErrorCode.DUPLICATE_ACTION_NAME,
        `two different action classes are named "${name}"; set a distinct static actionName on one`,
      );
    }
    if (cls.middleware !== undefined && !(cls.middleware instanceof MiddlewareStack)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register ${name}: static middleware must be a MiddlewareStack ` +
          '(e.g. Action.middleware.use(…))',
      );
    }
    if (
      cls.executionPlanHooks !== undefined &&
      !(cls.executionPlanHooks instanceof ExecutionPlanHooks)
    ) {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register ${name}: static executionPlanHooks must be an ExecutionPlanHooks ` +
          '(e.g. Action.executionPlanHooks.use(…))',
      );
    }
    for (const { method } of cls.executionPlanHooks?.entries ?? []) {
      if (typeof (cls.prototype as unknown as Record<string, unknown>)[method] !== 'function') {
        throw new FlowlineError(
          ErrorCode.INVALID_ACTION,
          `cannot register ${name}: its execution-plan hook "${method}" is not a method of the class`,
        );
      }
    }
    try {
      checkStatics(cls, name);
    } catch (error) {
      if (error instanceof FlowlineError) throw error;
      // A static getter that throws.
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register ${name}: reading its statics threw: ${toError(error).message}`,
        { cause: error },
      );
    }
    const targets = subscriptionsOf(cls, name);
    this.#byName.set(name, cls);
    this.#names.set(cls, name);
    if (targets.length > 0) this.#subscriptions.set(cls, targets);
    if (cls.executionPlanHooks?.empty === false) this.#hooks = true;
  }

  /** The stored name of a class; `ACTION_NOT_REGISTERED` when the world does not know it. */
  nameOf(cls: ActionClass): string {
    const name = this.#names.get(cls);
    if (name === undefined) {
      throw new FlowlineError(
        ErrorCode.ACTION_NOT_REGISTERED,
        `action class ${describe(cls)} is not registered in this world; ` +
          'pass it in the World `actions` option or call world.register()',
      );
    }
    return name;
  }

  /** The class stored under a name, or `undefined`. */
  classOf(name: string): ActionClass | undefined {
    return this.#byName.get(name);
  }

  /** Registered classes whose `subscribe()` names `cls`, in registration order. */
  subscribersOf(cls: ActionClass): readonly ActionClass[] {
    this.#subscribers ??= this.#buildSubscriptions();
    return this.#subscribers.get(cls) ?? [];
  }

  #buildSubscriptions(): Map<ActionClass, ActionClass[]> {
    const map = new Map<ActionClass, ActionClass[]>();
    for (const [cls, targets] of this.#subscriptions) {
      for (const target of targets) {
        const list = map.get(target) ?? [];
        list.push(cls);
        map.set(target, list);
      }
    }
    return map;
  }
}

function describe(value: unknown): string {
  try {
    if (typeof value === 'function') return value.name || '(anonymous class)';
    return String(value);
  } catch {
    // A value whose name or toString throws (a revoked Proxy, …) still gets its error.
    return `(${typeof value} that cannot be described)`;
  }
}

/**
 * The classes `cls.subscribe()` names, called once when `cls` is registered: it must return an
 * action class or an array of them.
 *
 * @throws FlowlineError `INVALID_ACTION` when `subscribe()` throws or returns anything else
 */
function subscriptionsOf(cls: ActionClass, name: string): readonly ActionClass[] {
  const subscribe: unknown = (cls as { subscribe?: unknown }).subscribe;
  if (subscribe === undefined) return [];
  if (typeof subscribe !== 'function') {
    throw new FlowlineError(
      ErrorCode.INVALID_ACTION,
      `cannot register ${name}: static subscribe must be a method, got ${describeValue(subscribe)}`,
    );
  }
  let returned: unknown;
  try {
    returned = (subscribe as () => unknown).call(cls);
  } catch (error) {
    throw new FlowlineError(
      ErrorCode.INVALID_ACTION,
      `cannot register ${name}: its subscribe() threw: ${toError(error).message}`,
      { cause: error },
    );
  }
  const list: readonly unknown[] = Array.isArray(returned) ? returned : [returned];
  list.forEach((target, index) => {
    if (typeof target !== 'function' || !((target as ActionClass).prototype instanceof Action)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ACTION,
        `cannot register ${name}: subscribe() must return an action class or an array of them, ` +
          `got ${Array.isArray(returned) ? `${describeValue(target)} at index ${index}` : describeValue(target)}`,
      );
    }
  });
  return list as readonly ActionClass[];
}
