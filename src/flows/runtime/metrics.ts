/**
 * Run metrics of flows (`flows.metrics(name)`): how many runs ended, how many failed, and
 * percentiles of their durations, per flow and per stage. Durations go into DDSketches (relative
 * accuracy 1%): a percentile is within 1% of the exact one, recording is O(1), a percentile costs
 * no sort of every duration, and two books merge exactly as if everything had been recorded in
 * one. Each sketch keeps at most {@link MAX_SKETCH_BINS} bins (the lowest collapse first), so a
 * flow costs bounded memory per stage however many runs it records.
 */
import { LogCollapsingLowestDenseDDSketch } from '@datadog/sketches-js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import { describeValue } from '../../shared/describe-value.js';
import type { DurationPercentiles, FlowMetrics, RunMetrics } from '../flows-types.js';

/** The sketches' relative accuracy: a percentile is within 1% of the exact value. */
export const RELATIVE_ACCURACY = 0.01;

/**
 * Bins per sketch, at most. At 1% accuracy, 2048 bins span a ratio of about 10^17 (1 µs to
 * thousands of years), so realistic durations are never collapsed; the bound only caps memory.
 */
export const MAX_SKETCH_BINS = 2048;

type Sketch = LogCollapsingLowestDenseDDSketch;

const newSketch = (): Sketch =>
  new LogCollapsingLowestDenseDDSketch({
    relativeAccuracy: RELATIVE_ACCURACY,
    binLimit: MAX_SKETCH_BINS,
  });

/** Counts and a duration sketch (made at the first duration) of a flow or a stage. */
class Tally {
  runs = 0;
  failures = 0;
  sketch: Sketch | undefined;

  record(durationMs: number, failed: boolean): void {
    this.runs++;
    if (failed) this.failures++;
    (this.sketch ??= newSketch()).accept(durationMs);
  }

  merge(other: Tally): void {
    this.runs += other.runs;
    this.failures += other.failures;
    // Merged into a sketch of this tally's own: the two books never share one.
    if (other.sketch === undefined) return;
    // sketches-js types merge's argument as DDSketch, but it merges any sketch of the same
    // mapping; both are LogCollapsingLowestDenseDDSketches made by newSketch.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment
    (this.sketch ??= newSketch()).merge(other.sketch);
  }

  metrics(): RunMetrics {
    return { runs: this.runs, failures: this.failures, durationMs: this.percentiles() };
  }

  percentiles(): DurationPercentiles {
    const sketch = this.sketch;
    if (sketch === undefined || sketch.count === 0) {
      return { p50: undefined, p95: undefined, p99: undefined };
    }
    return {
      p50: sketch.getValueAtQuantile(0.5),
      p95: sketch.getValueAtQuantile(0.95),
      p99: sketch.getValueAtQuantile(0.99),
    };
  }
}

/** A flow's tally and its stages'. */
class FlowTally extends Tally {
  readonly stages = new Map<string, Tally>();

  stage(name: string): Tally {
    let tally = this.stages.get(name);
    if (tally === undefined) {
      tally = new Tally();
      this.stages.set(name, tally);
    }
    return tally;
  }
}

/**
 * Records how runs of flows and their stages end and how long they take, and answers
 * `flows.metrics(name)`. Debug runs are not recorded (the caller leaves them out).
 *
 * @example
 * ```ts
 * const book = new RunMetricsBook();
 * book.recordStage('Publish', 'Enrich', 12.5, false);
 * book.recordRun('Publish', 40, false);
 * book.metrics('Publish'); // { runs: 1, failures: 0, durationMs: { p50: ~40, … }, stages: { Enrich: … } }
 * ```
 */
export class RunMetricsBook {
  readonly #flows = new Map<string, FlowTally>();

  /**
   * Records a run of a flow that ended.
   *
   * @param flow - the flow's name
   * @param durationMs - how long the run took: a finite number, 0 or more
   * @param failed - whether it failed
   * @throws FlowlineError `INVALID_ARGUMENT` naming the argument; nothing is recorded then
   */
  recordRun(flow: string, durationMs: number, failed: boolean): void {
    check('recordRun', flow, undefined, durationMs, failed);
    this.#flow(flow).record(durationMs, failed);
  }

  /**
   * Records a run of one stage of a flow that ended (each retry is part of the stage's run).
   *
   * @param flow - the flow's name
   * @param stage - the stage's name
   * @param durationMs - how long the stage took: a finite number, 0 or more
   * @param failed - whether it failed
   * @throws FlowlineError `INVALID_ARGUMENT` naming the argument; nothing is recorded then
   */
  recordStage(flow: string, stage: string, durationMs: number, failed: boolean): void {
    check('recordStage', flow, stage, durationMs, failed);
    this.#flow(flow).stage(stage).record(durationMs, failed);
  }

  /**
   * The metrics of a flow: its runs, failures and duration percentiles (`undefined` before the
   * first recorded duration), and the same for each stage that recorded a run. A flow never
   * recorded has zero runs.
   *
   * @param flow - the flow's name
   */
  metrics(flow: string): FlowMetrics {
    const tally = this.#flows.get(flow) ?? new FlowTally();
    // fromEntries defines own properties: a stage named `__proto__` is a stage like any other.
    const stages = Object.fromEntries(
      [...tally.stages].map(([name, stage]) => [name, stage.metrics()] as const),
    );
    return { ...tally.metrics(), stages };
  }

  /**
   * Adds everything `other` recorded to this book, as if it had been recorded here (e.g. the books
   * of several processes). `other` is left as it was; the books share nothing afterwards.
   */
  merge(other: RunMetricsBook): void {
    if (other === this)
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        'RunMetricsBook.merge: a book cannot merge itself',
      );
    for (const [name, theirs] of other.#flows) {
      const ours = this.#flow(name);
      ours.merge(theirs);
      for (const [stage, tally] of theirs.stages) ours.stage(stage).merge(tally);
    }
  }

  /**
   * Forgets what was recorded for one flow, or for every flow.
   *
   * @param flow - the flow to forget; all of them when absent
   */
  reset(flow?: string): void {
    if (flow === undefined) this.#flows.clear();
    else this.#flows.delete(flow);
  }

  #flow(name: string): FlowTally {
    let tally = this.#flows.get(name);
    if (tally === undefined) {
      tally = new FlowTally();
      this.#flows.set(name, tally);
    }
    return tally;
  }
}

function check(
  method: string,
  flow: unknown,
  stage: unknown,
  durationMs: unknown,
  failed: unknown,
): void {
  const fail = (what: string): never => {
    throw new FlowlineError(ErrorCode.INVALID_ARGUMENT, `RunMetricsBook.${method}: ${what}`);
  };
  if (typeof flow !== 'string' || flow === '') {
    fail(`the flow name is ${describeValue(flow)}, not a non-empty string`);
  }
  const where = `flow ${JSON.stringify(flow)}${stage === undefined ? '' : `, stage ${describeValue(stage)}`}`;
  if (method === 'recordStage' && (typeof stage !== 'string' || stage === '')) {
    fail(`${where}: the stage name is ${describeValue(stage)}, not a non-empty string`);
  }
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs < 0) {
    fail(`${where}: durationMs is ${describeValue(durationMs)}, not a finite number of 0 or more`);
  }
  if (typeof failed !== 'boolean') {
    fail(`${where}: failed is ${describeValue(failed)}, not a boolean`);
  }
}
