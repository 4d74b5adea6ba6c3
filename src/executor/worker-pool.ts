/**
 * The executor's worker pool: at most `concurrency` jobs at once, the rest waiting first in, first
 * out. A job that cannot start yet costs one entry in an array — no promise, no closure of the
 * pool's own — so a concurrence of 100 000 ready steps waits cheaply.
 *
 * It replaces p-queue here because the executor needs only that: p-queue allocates a promise and
 * an event per task, which on this hot path was about 7% of the engine's CPU time (bench, memory
 * store) and kept every queued step's promises alive.
 *
 * @internal
 */
export class WorkerPool {
  readonly #waiting: (() => Promise<void>)[] = [];
  /** Index of the next job to start in {@link WorkerPool.#waiting}. */
  #head = 0;
  #active = 0;
  #idle: (() => void)[] = [];

  /**
   * @param concurrency - the most jobs running at once
   * @param onError - called with whatever a job rejects with (jobs should not reject)
   */
  constructor(
    private readonly concurrency: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs `job` now if a worker is free (synchronously, as p-queue did), else once one is. */
  add(job: () => Promise<void>): void {
    this.#waiting.push(job);
    this.#drain();
  }

  /** Jobs running now plus jobs waiting. */
  get size(): number {
    return this.#active + this.#waiting.length - this.#head;
  }

  /** Resolves once no job is running or waiting. */
  onIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    while (this.#active < this.concurrency && this.#head < this.#waiting.length) {
      const job = this.#waiting[this.#head] as () => Promise<void>;
      this.#head++;
      this.#active++;
      job().then(this.#done, (error: unknown) => {
        this.onError(error);
        this.#done();
      });
    }
    // Drop the started prefix once it is most of the array (amortised O(1) per job).
    if (this.#head === this.#waiting.length) {
      this.#waiting.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting.splice(0, this.#head);
      this.#head = 0;
    }
  }

  readonly #done = (): void => {
    this.#active--;
    this.#drain();
    if (this.size === 0 && this.#idle.length > 0) {
      const idle = this.#idle;
      this.#idle = [];
      for (const resolve of idle) resolve();
    }
  };
}
