import type { Clock, TimerHandle } from '../shared/clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
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

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), fn };
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

  /** Jumps to the next timer and fires it; `false` when no timer is waiting. */
  async next(): Promise<boolean> {
    const timer = this.#earliest();
    if (timer === undefined) return false;
    await this.advanceTo(timer.at);
    return true;
  }

  #earliest(): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of this.#timers) {
      if (earliest === undefined || timer.at < earliest.at) earliest = timer;
    }
    return earliest;
  }
}

/** Lets promise callbacks and already-completed I/O run (a few turns of the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
