/**
 * A sliding window: keep exactly `inFlight` workflows running, starting a new one as soon as one
 * finishes, until `total` have been started or `budgetMs` has passed; then wait for the last ones.
 */

/** How many workflows finished and how long it took, from the first start to the last finish. */
export interface WindowResult {
  readonly completed: number;
  readonly ms: number;
}

/**
 * Runs `runOne` (one whole workflow, resolving once it has finished) with `inFlight` at a time.
 *
 * @param inFlight - how many run at once
 * @param total - the most that are started
 * @param budgetMs - no new one is started after this long (those running are waited for)
 */
export async function keepInFlight(
  inFlight: number,
  total: number,
  budgetMs: number,
  runOne: (index: number) => Promise<void>,
): Promise<WindowResult> {
  let started = 0;
  let completed = 0;
  const start = performance.now();
  const deadline = start + budgetMs;
  const lane = async (): Promise<void> => {
    while (started < total && (started < inFlight || performance.now() < deadline)) {
      await runOne(started++);
      completed++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { completed, ms: performance.now() - start };
}
