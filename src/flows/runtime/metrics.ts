// Placeholder until the sketch-based book lands (helper branch flows-storage); same API.
import type { FlowMetrics, RunMetrics } from '../flows-types.js';

interface Tally {
  runs: number;
  failures: number;
  durations: number[];
}

const empty = (): Tally => ({ runs: 0, failures: 0, durations: [] });
const view = (tally: Tally): RunMetrics => {
  const sorted = [...tally.durations].sort((a, b) => a - b);
  const q = (p: number): number | undefined =>
    sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return {
    runs: tally.runs,
    failures: tally.failures,
    durationMs: { p50: q(0.5), p95: q(0.95), p99: q(0.99) },
  };
};

/** @internal */
export class RunMetricsBook {
  readonly #flows = new Map<string, { run: Tally; stages: Map<string, Tally> }>();

  #flow(name: string): { run: Tally; stages: Map<string, Tally> } {
    let entry = this.#flows.get(name);
    if (entry === undefined) {
      entry = { run: empty(), stages: new Map() };
      this.#flows.set(name, entry);
    }
    return entry;
  }

  recordRun(flow: string, durationMs: number, failed: boolean): void {
    const tally = this.#flow(flow).run;
    tally.runs++;
    if (failed) tally.failures++;
    tally.durations.push(durationMs);
  }

  recordStage(flow: string, stage: string, durationMs: number, failed: boolean): void {
    const stages = this.#flow(flow).stages;
    let tally = stages.get(stage);
    if (tally === undefined) {
      tally = empty();
      stages.set(stage, tally);
    }
    tally.runs++;
    if (failed) tally.failures++;
    tally.durations.push(durationMs);
  }

  metrics(flow: string): FlowMetrics {
    const entry = this.#flow(flow);
    return {
      ...view(entry.run),
      stages: Object.fromEntries([...entry.stages].map(([name, tally]) => [name, view(tally)])),
    };
  }
}
