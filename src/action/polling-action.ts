import { ErrorCode, FlowlineError, toError } from '../errors.js';
import type { JsonObject, JsonValue } from '../plan/records.js';
import { Action } from './action.js';
import { ControlEvent, controlEvent, isControlEvent } from './control-events.js';
import type { TimeoutEvent } from './timeouts.js';

/** How often a {@link PollingAction} has polled its task, kept in its output. */
export interface PollAttempts {
  /** Polls made so far, failed or not; they decide the poll interval. */
  total: number;
  /** Polls that failed in a row since the last successful one. */
  failed: number;
}

/** What a {@link PollingAction} keeps in its output besides what its own code writes. */
export interface PollingOutput<Task> {
  /** The external task as last recorded; absent until `invokeExternalTask` returned. */
  task?: Task;
  pollAttempts?: PollAttempts;
}

/** The event a polling step plans for itself between two polls. */
export interface PollEvent {
  readonly $flowline: 'poll';
}

const POLL: JsonObject = controlEvent(ControlEvent.poll);

/**
 * An action that starts a task on an external system and polls it until it is done (Dynflow's
 * `Action::Polling`), suspending between polls so it holds no worker.
 *
 * The first `run` calls {@link PollingAction.invokeExternalTask} and records the task in
 * `this.output.task`; every poll then passes the recorded task to
 * {@link PollingAction.pollExternalTask} and records what it returns, until
 * {@link PollingAction.done} says so and {@link PollingAction.onFinish} writes the output. The wait
 * between polls starts short and grows: see {@link PollingAction.pollIntervals}. Because the task
 * and the poll counters live in the output, a step that runs again after a failure or a restart
 * polls the task it has instead of starting a second one.
 *
 * The task must be JSON data. `run` is the state machine: override the hooks, not `run` (or call
 * `super.run(event)` for the events you do not handle yourself).
 *
 * @example
 * ```ts
 * class BuildImage extends PollingAction<{ recipe: string }, { imageId?: string }, Build> {
 *   async invokeExternalTask() { return builds.start(this.input.recipe); }
 *   async pollExternalTask(build: Build) { return builds.get(build.id); }
 *   done(build: Build) { return build.state === 'finished'; }
 *   onFinish(build: Build) { this.output.imageId = build.imageId; }
 * }
 * ```
 */
export abstract class PollingAction<
  I extends object = Record<string, unknown>,
  // O appears once in the signature but is what users read and write as `this.output`.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
  O extends object = Record<string, unknown>,
  Task = JsonValue,
> extends Action<I, O & PollingOutput<Task>> {
  /** The payload of the poll events a polling step plans for itself. */
  static readonly POLL: PollEvent & JsonObject = POLL as PollEvent & JsonObject;

  /** After a restart, a suspended polling step polls its recorded task again. */
  static readonly recoveryEvent: JsonValue = POLL;

  /**
   * Whether `run` received a poll event.
   *
   * @param event - the event `run` was called with
   */
  static isPoll(event: unknown): event is PollEvent {
    return isControlEvent(event, ControlEvent.poll);
  }

  /**
   * Polls made at one interval before moving on to the next of {@link PollingAction.pollIntervals}.
   * @default 5
   */
  attemptsBeforeNextInterval = 5;

  /**
   * Failed polls in a row after which the step fails with the last poll's error. A successful poll
   * starts the count again.
   * @default 3
   */
  pollMaxRetries = 3;

  /** Starts the external task and returns what identifies it (JSON data, recorded in the output). */
  abstract invokeExternalTask(): Task | Promise<Task>;

  /**
   * Asks the external system how the task is doing. A poll that throws is retried at the next
   * interval, up to {@link PollingAction.pollMaxRetries} times in a row.
   *
   * @param task - the task as last recorded
   * @returns the task as it is now (recorded in place of the old one)
   */
  abstract pollExternalTask(task: Task): Task | Promise<Task>;

  /**
   * Whether the task has ended: the step then finishes. Also asked right after the task is invoked.
   *
   * @param task - the task as last recorded
   */
  abstract done(task: Task): boolean;

  /**
   * Called once the task is done, before the step succeeds: write the output here, or throw to fail
   * the step (e.g. when the task ended in an error state). Does nothing by default.
   *
   * @param _task - the finished task
   */
  onFinish(_task: Task): void | Promise<void> {
    return undefined;
  }

  /**
   * The waits between polls, in seconds: the first {@link PollingAction.attemptsBeforeNextInterval}
   * polls use the first, the next as many the second, and so on; the last one is kept once reached.
   * Frequent polls at first, slower ones once it is clear the task takes a while.
   *
   * @default [0.5, 1, 2, 4, 8, 16]
   */
  pollIntervals(): readonly number[] {
    return [0.5, 1, 2, 4, 8, 16];
  }

  /**
   * Called with the event `scheduleTimeout` planned. The default fails the step with
   * `STEP_TIMEOUT`; an override that returns keeps the step waiting for its next poll.
   *
   * @param event - the timeout event
   */
  processTimeout(event: TimeoutEvent): void {
    throw new FlowlineError(
      ErrorCode.STEP_TIMEOUT,
      `${this.constructor.name} (action ${this.id}): the external task did not finish within ` +
        `the ${event.afterMs} ms of its scheduleTimeout`,
      { planId: this.executionPlanId, actionId: this.id },
    );
  }

  /** The external task as last recorded, or `undefined` before it was invoked. */
  get externalTask(): Task | undefined {
    return this.#state().task;
  }

  /** The poll counters, kept in the output. */
  get pollAttempts(): PollAttempts {
    return (this.#state().pollAttempts ??= { total: 0, failed: 0 });
  }

  /** The wait before the next poll, in seconds, from the polls made so far. */
  pollInterval(): number {
    const intervals = this.pollIntervals();
    const per = this.attemptsBeforeNextInterval;
    if (intervals.length === 0 || intervals.some((s) => !Number.isFinite(s) || s < 0)) {
      throw this.#invalid(`pollIntervals() must be seconds >= 0, got ${JSON.stringify(intervals)}`);
    }
    if (!Number.isInteger(per) || per < 1) {
      throw this.#invalid(`attemptsBeforeNextInterval must be an integer >= 1, got ${String(per)}`);
    }
    const level = Math.min(Math.floor(this.pollAttempts.total / per), intervals.length - 1);
    return intervals[level] as number;
  }

  /**
   * The state machine. No event: invoke the task, or poll it when one is recorded (a step run again
   * after a failure or a restart). A poll event: poll. A timeout event: {@link processTimeout}.
   * Then finish if the task is done, else plan the next poll and suspend.
   *
   * @param event - the event the step was woken with, if any
   */
  async run(event?: JsonValue): Promise<void> {
    if (event === undefined) {
      if (this.externalTask === undefined) await this.initiateExternalAction();
      else await this.resumeExternalAction();
    } else if (PollingAction.isPoll(event)) {
      await this.pollExternalTaskWithRescue();
    } else if (Action.isTimeout(event)) {
      this.processTimeout(event);
      this.suspend();
    } else {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `${this.constructor.name} (action ${this.id}): unrecognized event ` +
          `${JSON.stringify(event)}; a polling action handles its poll and timeout events only`,
        { planId: this.executionPlanId, actionId: this.id },
      );
    }
    const task = this.externalTask as Task;
    if (this.done(task)) await this.onFinish(task);
    else this.suspendAndPing();
  }

  /** Invokes the external task and records it. */
  protected async initiateExternalAction(): Promise<void> {
    this.#record(await this.invokeExternalTask(), 'invokeExternalTask');
    this.pollAttempts.failed = 0;
  }

  /**
   * A step run again with a task recorded (resumed after a failure, or re-run after a restart):
   * polls it rather than invoking a second one, with a fresh allowance of failed polls.
   */
  protected async resumeExternalAction(): Promise<void> {
    this.pollAttempts.failed = 0;
    await this.pollExternalTaskWithRescue();
  }

  /** Polls the task; a failure is counted and the step fails once there are too many in a row. */
  protected async pollExternalTaskWithRescue(): Promise<void> {
    const attempts = this.pollAttempts;
    attempts.total++;
    let task: Task;
    try {
      task = await this.pollExternalTask(this.externalTask as Task);
    } catch (error) {
      attempts.failed++;
      this.rescueExternalTask(error);
      return;
    }
    this.#record(task, 'pollExternalTask');
    attempts.failed = 0;
  }

  /** After a failed poll: carry on at the next interval, or fail the step after too many. */
  protected rescueExternalTask(error: unknown): void {
    const { failed } = this.pollAttempts;
    const message = toError(error).message;
    if (failed < this.pollMaxRetries) {
      this.log.warn(
        `polling failed (${failed} of ${this.pollMaxRetries} in a row), retrying in ` +
          `${this.pollInterval()} s: ${message}`,
        { failed, error: message },
      );
      return;
    }
    this.log.error(`polling failed ${failed} times in a row; giving up: ${message}`, {
      failed,
      error: message,
    });
    throw error;
  }

  /** Plans the next poll and suspends. */
  protected suspendAndPing(): never {
    this.planEvent(POLL, this.pollInterval() * 1000);
    return this.suspend();
  }

  #state(): PollingOutput<Task> {
    return this.output;
  }

  #record(task: Task, by: string): void {
    if (task === undefined) {
      throw this.#invalid(`${by}() returned undefined; return the task's data (JSON) to record`);
    }
    this.#state().task = task;
  }

  #invalid(message: string): FlowlineError {
    return new FlowlineError(
      ErrorCode.INVALID_ACTION,
      `${this.constructor.name} (action ${this.id}): ${message}`,
      { planId: this.executionPlanId, actionId: this.id },
    );
  }
}
