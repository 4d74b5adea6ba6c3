import type { Clock, TimerHandle, TimerKind, TimerLabel } from '../shared/clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
  readonly label: TimerLabel | undefined;
}

/** The kinds of timer that belong to a step: see {@link TimerKind}. */
const STEP_TIMERS: ReadonlySet<TimerKind> = new Set(['retry', 'timeout', 'event']);

/** A timer waiting on a {@link ManagedClock}, as {@link ManagedClock.timers} lists it. */
export interface PendingTimer {
  /** When it fires, in ms since the epoch. */
  readonly due: number;
  /**
   * What it is for: `retry`, `timeout` and `event` are a step's timers (a `static retry` wait, a
   * `static timeout`, an event planned with `planEvent` / `scheduleTimeout`); `delayed-plan` a
   * delayed plan's start; `engine` the world's own (heartbeats, polling) and unlabelled timers.
   */
  readonly kind: TimerKind;
  /** The plan of a step timer. */
  readonly planId?: string;
  /** The step of a step timer. */
  readonly stepId?: number;
  /** For an `event` timer: the payload it will send. */
  readonly payload?: unknown;
}

/** Which step timers {@link ManagedClock.advanceToNextStepTimer} considers. */
export interface StepTimerFilter {
  /** Only timers of this plan. */
  readonly planId?: string;
  /** Only timers of this step. */
  readonly stepId?: number;
  /** Only timers of these kinds (`retry`, `timeout`, `event`). */
  readonly kind?: TimerKind | readonly TimerKind[];
}

/**
 * A clock that only moves when a test moves it, like Dynflow's managed clock: timers fire in time
 * order as {@link ManagedClock.advance} passes them, and each fired timer's follow-up work (promise
 * callbacks, I/O it awaits) settles before the next one fires. Tests never sleep.
 *
 * @example
 * ```ts
 * const clock = new ManagedClock();
 * const world = new World({ clock, actions: [Poll] });
 * // …trigger, then:
 * await clock.advance(1_000); // every timer due within the next second has fired, in order
 * ```
 */
export class ManagedClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  /**
   * @param start - the initial time, in milliseconds since the epoch
   * @default start 2026-01-01T00:00:00Z
   */
  constructor(start: number = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number, label?: TimerLabel): TimerHandle {
    const timer: Timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn, label };
    this.#timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the next timer is due, or `undefined` when none is waiting. */
  get nextDue(): number | undefined {
    return this.#earliest()?.at;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way (including timers those timers
   * set), in order; time stops at each timer while it fires.
   */
  async advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance by ${ms} ms`);
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `time` (ms since the epoch), firing due timers in order. */
  async advanceTo(time: number): Promise<void> {
    await settle();
    for (
      let timer = this.#earliest();
      timer !== undefined && timer.at <= time;
      timer = this.#earliest()
    ) {
      this.#timers = this.#timers.filter((t) => t !== timer);
      this.#now = Math.max(this.#now, timer.at);
      timer.fn();
      await settle();
    }
    this.#now = Math.max(this.#now, time);
  }

  /**
   * The timers waiting now, earliest first (in the order they were set when due at the same time):
   * what is due, when, and what for.
   *
   * @example
   * ```ts
   * clock.timers(); // [{ due: 1767225601000, kind: 'retry', planId: '…', stepId: 2 }, { kind: 'engine', … }]
   * ```
   */
  timers(): PendingTimer[] {
    return this.#sorted().map(describeTimer);
  }

  /**
   * Moves time to the next timer of a step — a `static retry` wait, a `static timeout`, an event
   * planned with `planEvent` / `scheduleTimeout` — and fires it, together with every timer due
   * before it (heartbeats and other engine timers fire on the way, as time passes; they do not
   * count). Promise callbacks and I/O already under way settle first, so a step that has just
   * failed has set its retry timer; the fired timer's follow-up work has settled when this
   * resolves.
   *
   * @param filter - only a timer of this plan / step / kind
   * @returns the step timer it fired, or `undefined` when no such timer is waiting (time then
   *   stays where it is)
   */
  async advanceToNextStepTimer(filter: StepTimerFilter = {}): Promise<PendingTimer | undefined> {
    // Work already under way (a failed attempt about to wait for its retry) sets its timer first.
    await settle();
    const kinds =
      filter.kind === undefined
        ? STEP_TIMERS
        : new Set(typeof filter.kind === 'string' ? [filter.kind] : filter.kind);
    const target = this.#sorted().find(
      (timer) =>
        timer.label !== undefined &&
        STEP_TIMERS.has(timer.label.kind) &&
        kinds.has(timer.label.kind) &&
        (filter.planId === undefined || timer.label.planId === filter.planId) &&
        (filter.stepId === undefined || timer.label.stepId === filter.stepId),
    );
    if (target === undefined) return undefined;
    await this.advanceTo(target.at);
    return describeTimer(target);
  }

  /** Jumps to the next timer and fires it; `false` when no timer is waiting. */
  async next(): Promise<boolean> {
    const timer = this.#earliest();
    if (timer === undefined) return false;
    await this.advanceTo(timer.at);
    return true;
  }

  #sorted(): Timer[] {
    return [...this.#timers].sort((a, b) => a.at - b.at || a.id - b.id);
  }

  #earliest(): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers) {
      if (earliest === undefined || timer.at < earliest.at) earliest = timer;
    }
    return earliest;
  }
}

function describeTimer(timer: Timer): PendingTimer {
  const label = timer.label;
  const described: { -readonly [K in keyof PendingTimer]: PendingTimer[K] } = {
    due: timer.at,
    kind: label?.kind ?? 'engine',
  };
  if (label?.planId !== undefined) described.planId = label.planId;
  if (label?.stepId !== undefined) described.stepId = label.stepId;
  if (label !== undefined && 'payload' in label) described.payload = label.payload;
  return described;
}

/** Lets promise callbacks and already-completed I/O run (a few turns of the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
