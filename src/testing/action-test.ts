import { randomUUID } from 'node:crypto';
import type { Middleware } from '../action/middleware.js';
import { MiddlewareStack } from '../action/middleware.js';
import { ActionRegistry } from '../action/registry.js';
import { stepOptionsOf } from '../action/step-options.js';
import type { ActionClass, AnyAction, InputOf, OutputOf } from '../action/types.js';
import { ErrorCode, FlowlineError } from '../errors.js';
import type { Outcome, PhaseCall } from '../executor/step-runner.js';
import { invokePhase } from '../executor/step-runner.js';
import type { JsonObject, JsonValue, StepAttempt, StepLogLine } from '../plan/records.js';
import { cloneJson, toJson, toJsonObject } from '../plan/serialization.js';
import { ManagedClock } from './managed-clock.js';
import type { PendingTimer } from './managed-clock.js';

/** Options of {@link testAction}. */
export interface TestActionOptions<A extends AnyAction = AnyAction> {
  /** The action's input, as `planSelf` would have stored it (plain data). @default {} */
  readonly input?: InputOf<A>;
  /** The output the step starts from, as last committed (a step run again keeps it). @default {} */
  readonly output?: Partial<OutputOf<A>>;
  /** What `this.context` reads, as the World's `context` option gives it. */
  readonly context?: unknown;
  /**
   * The clock timeouts, retry waits and planned events are measured on.
   *
   * @default a new {@link ManagedClock}
   */
  readonly clock?: ManagedClock;
  /** Middleware around the class's own, as the World's `middleware` option. */
  readonly middleware?: MiddlewareStack | readonly Middleware[];
  /** The plan id the action sees as `this.executionPlanId`. @default a fresh `test-…` id */
  readonly executionPlanId?: string;
}

/** How the step's last call ended; `pending` before the first call. */
export type ActionTestState = 'pending' | 'success' | 'suspended' | 'error';

/** How a `run` call suspended its step. */
export interface Suspension {
  /**
   * The first argument `suspend` was called with (`undefined` for `suspend()`, the callback for
   * `suspend(cb)`, the options object for `suspend({ … })`).
   */
  readonly argument: unknown;
  /** Events planned with `planEvent` / `scheduleTimeout` that have not been sent yet, by due time. */
  readonly plannedEvents: readonly PendingTimer[];
}

/** What one `run` or `finalize` call of an {@link ActionTest} did. */
export interface CallResult<O extends object = Record<string, unknown>> {
  /** How it ended. */
  readonly kind: 'success' | 'suspended' | 'error';
  /**
   * The output after the call, as a world would store it: a call that throws keeps what it wrote;
   * output that is not plain data fails the call and the previous output is kept.
   */
  readonly output: Readonly<O>;
  /** What the call threw (after the retries, if any), or why its output was refused. */
  readonly error?: Error;
  /** Log lines this call wrote. */
  readonly log: readonly StepLogLine[];
  /** The attempts, for an action with `static retry`. */
  readonly attempts?: readonly StepAttempt[];
  /** For a suspended call: how it suspended. */
  readonly suspension?: Suspension;
}

/** The name of the harness's own middleware, innermost: it notes what `suspend` is called with. */
const PROBE = 'flowline.testing.suspendProbe';

/**
 * One action under test, without a world or a store: see {@link testAction}. Each `run` / `finalize`
 * call goes through the engine's own step runner, so it behaves as in a world: middleware (the
 * given world middleware around the class's), `static timeout` and `static retry` on the given
 * clock, output checked as plain data, log lines, `suspend` and planned events.
 */
export class ActionTest<A extends AnyAction = AnyAction> {
  /** The clock of the test: advance it to fire retries, timeouts and planned events. */
  readonly clock: ManagedClock;
  /** The plan id the action sees. */
  readonly executionPlanId: string;
  /** The run step's id (the action's plan step is 1). */
  readonly stepId = 2;
  /** The finalize step's id. */
  readonly finalizeStepId = 3;
  readonly #cls: ActionClass<A>;
  readonly #className: string;
  readonly #middleware: MiddlewareStack;
  readonly #input: JsonObject;
  readonly #userContext: unknown;
  readonly #closing = new AbortController();
  #output: JsonObject;
  #log: StepLogLine[] = [];
  #events: JsonValue[] = [];
  #state: ActionTestState = 'pending';
  #last: CallResult<OutputOf<A>> | undefined;
  #suspendArgument: unknown;
  #busy = false;

  /** @internal use {@link testAction} */
  constructor(cls: ActionClass<A>, options: TestActionOptions<A>) {
    const registry = new ActionRegistry();
    // The checks world.register makes: an action class, a storable name, valid statics.
    registry.register(cls);
    this.#cls = cls;
    this.#className = registry.nameOf(cls);
    stepOptionsOf(cls, this.#className);
    const given = options.middleware;
    const world =
      given === undefined
        ? new MiddlewareStack()
        : given instanceof MiddlewareStack
          ? given
          : new MiddlewareStack(given);
    registry.useWorldMiddleware(world);
    this.#middleware = registry.middlewareOf(cls).use(this.#probe());
    this.#input = toJsonObject(options.input, `input of ${this.#className}`);
    this.#output = toJsonObject(options.output, `output of ${this.#className}`);
    this.#userContext = options.context;
    this.clock = options.clock ?? new ManagedClock();
    this.executionPlanId = options.executionPlanId ?? `test-${randomUUID()}`;
  }

  /** How the step's last call ended. */
  get state(): ActionTestState {
    return this.#state;
  }

  /** The output as the last call left it (a copy: changing it changes nothing). */
  get output(): Readonly<OutputOf<A>> {
    return cloneJson(this.#output) as OutputOf<A>;
  }

  /** Every log line the calls wrote so far, in order. */
  get log(): readonly StepLogLine[] {
    return [...this.#log];
  }

  /** The last call's result; `undefined` before the first call. */
  get last(): CallResult<OutputOf<A>> | undefined {
    return this.#last;
  }

  /** What the last call threw, when it failed. */
  get error(): Error | undefined {
    return this.#last?.error;
  }

  /** How the step is suspended; `undefined` unless the last `run` call suspended it. */
  get suspended(): Suspension | undefined {
    if (this.#state !== 'suspended') return undefined;
    return { argument: this.#suspendArgument, plannedEvents: this.#plannedEvents() };
  }

  /**
   * Events sent to the step and not delivered yet, oldest first: through the `SuspendedAction`
   * handle's `event(payload)`, or planned events whose time has come on the clock.
   */
  get events(): readonly JsonValue[] {
    return [...this.#events];
  }

  /**
   * Calls `run(event)` on a fresh instance, as the engine does for each execution of the step: with
   * the input, the last output, and `this.context`. With `static retry`, the waits between
   * attempts are on the clock: advance it (`clock.advanceToNextStepTimer()`) while the call is
   * pending.
   *
   * @param event - the event `run` receives (what `world.event` / `world.send` would deliver)
   * @throws FlowlineError `UNSERIALIZABLE_VALUE` when the event is not plain data,
   *   `PHASE_MISUSE` while another call of this test is in progress
   */
  run(event?: JsonValue): Promise<CallResult<OutputOf<A>>> {
    const payload = event === undefined ? undefined : toJson(event, `event for ${this.#className}`);
    return this.#call('run', this.stepId, payload);
  }

  /**
   * Delivers the oldest of {@link ActionTest.events} to the suspended step: `run(event)`.
   *
   * @throws FlowlineError `STEP_NOT_SUSPENDED` when the step is not suspended, `INVALID_ARGUMENT`
   *   when no event is waiting
   */
  deliver(): Promise<CallResult<OutputOf<A>>> {
    if (this.#state !== 'suspended') {
      throw new FlowlineError(
        ErrorCode.STEP_NOT_SUSPENDED,
        `${this.#className}: the step is ${this.#state}, not suspended; nothing to deliver to`,
      );
    }
    const event = this.#events.shift();
    if (event === undefined) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${this.#className}: no event is waiting (advance the clock to fire planned events)`,
      );
    }
    return this.#call('run', this.stepId, event);
  }

  /** Calls `finalize()` on a fresh instance, with the input and the output `run` left. */
  finalize(): Promise<CallResult<OutputOf<A>>> {
    return this.#call('finalize', this.finalizeStepId, undefined);
  }

  async #call(
    phase: 'run' | 'finalize',
    stepId: number,
    event: JsonValue | undefined,
  ): Promise<CallResult<OutputOf<A>>> {
    if (this.#busy) {
      throw new FlowlineError(
        ErrorCode.PHASE_MISUSE,
        `${this.#className}: a call of this test is still in progress; await it first`,
      );
    }
    this.#busy = true;
    this.#suspendArgument = undefined;
    const call: PhaseCall = {
      cls: this.#cls,
      middleware: this.#middleware,
      planId: this.executionPlanId,
      actionId: 1,
      stepId,
      className: this.#className,
      phase,
      input: cloneJson(this.#input),
      output: this.#output,
      event,
      sendEvent: (payload) => this.#receive(payload),
      clock: this.clock,
      options: stepOptionsOf(this.#cls, this.#className),
      closing: this.#closing.signal,
      userContext: this.#userContext,
    };
    let outcome: Outcome;
    try {
      outcome = await invokePhase(call);
    } finally {
      this.#busy = false;
    }
    return this.#record(phase, outcome);
  }

  #record(phase: 'run' | 'finalize', outcome: Outcome): CallResult<OutputOf<A>> {
    this.#output = outcome.output;
    const log = outcome.logs ?? [];
    this.#log.push(...log);
    if (phase === 'run') this.#state = outcome.kind;
    const result: {
      -readonly [K in keyof CallResult<OutputOf<A>>]: CallResult<OutputOf<A>>[K];
    } = { kind: outcome.kind, output: cloneJson(outcome.output) as OutputOf<A>, log };
    if (outcome.kind === 'error') result.error = outcome.error as Error;
    if (outcome.attempts !== undefined) result.attempts = outcome.attempts;
    if (outcome.kind === 'suspended') {
      result.suspension = {
        argument: this.#suspendArgument,
        plannedEvents: this.#plannedEvents(),
      };
    }
    this.#last = result;
    return result;
  }

  /** An event sent to the step (`SuspendedAction.event`, a planned event): queued, as a world does. */
  #receive(payload: JsonValue): Promise<void> {
    // A payload that is not plain data rejects (thrown inside the executor function).
    return new Promise((resolve) => {
      this.#events.push(toJson(payload, `event for ${this.#className}`));
      resolve();
    });
  }

  #plannedEvents(): PendingTimer[] {
    return this.clock
      .timers()
      .filter(
        (timer) =>
          timer.kind === 'event' &&
          timer.planId === this.executionPlanId &&
          timer.stepId === this.stepId,
      );
  }

  /** The innermost middleware: notes the argument of the instance's `suspend`. */
  #probe(): Middleware {
    const note = (argument: unknown): void => {
      this.#suspendArgument = argument;
    };
    return {
      name: PROBE,
      async run(next, event, { action }) {
        if (action !== undefined) {
          const suspend = Reflect.get(action, 'suspend') as (...given: unknown[]) => never;
          Object.defineProperty(action, 'suspend', {
            configurable: true,
            writable: true,
            value: (...args: unknown[]): never => {
              note(args[0]);
              return suspend.apply(action, args);
            },
          });
        }
        await next(event);
      },
    };
  }
}

/**
 * Tests one action's `run` (and `finalize`) without a world or a store, like Temporal's
 * `MockActivityEnvironment`: give it an input (and a `context`, a managed clock, middleware), call
 * `run()`, read the output, the log lines, the error, or how it suspended; deliver an event to
 * continue it. Calls go through the engine's step runner: `static timeout`, `static retry`
 * (waits on the managed clock), middleware and output checks apply as in a world. Not covered:
 * `plan()` (use a world), sub-plans (`SubPlansAction`), execution-plan hooks, rescue strategies.
 *
 * @example
 * ```ts
 * const test = testAction(WaitForCarrier, { input: { orderId: 'o-1' } });
 * const first = await test.run();
 * first.kind;                        // 'suspended'
 * test.suspended?.plannedEvents;     // [{ kind: 'event', due: …, payload: { $flowline: 'timeout', … } }]
 * await test.run({ tracking: 'Z1' }); // the carrier's webhook
 * test.output;                       // { tracking: 'Z1' }
 * ```
 *
 * @param cls - the action class (it need not be registered anywhere)
 * @param options - input, initial output, context, clock, middleware
 * @throws FlowlineError `INVALID_ACTION` for a class a world would refuse (not an action, bad
 *   statics), `UNSERIALIZABLE_VALUE` for an input or output that is not plain data
 */
export function testAction<C extends ActionClass>(
  cls: C,
  options: TestActionOptions<InstanceType<C>> = {},
): ActionTest<InstanceType<C>> {
  return new ActionTest(cls as unknown as ActionClass<InstanceType<C>>, options);
}
