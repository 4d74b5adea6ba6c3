/**
 * Live stage progress of a flow run for `flowline flows run`: one line per stage as it starts,
 * succeeds, fails or is skipped, from the world's `step:state` events. A step's stage is the
 * `stage` of its action's input (the compiler puts it there); the stages a `Map` runs per item are
 * sub-plans of their own and are not listed (the `Map` stage is).
 */
import type { ExecutionPlan } from '../plan/records.js';
import type { World } from '../world/world.js';
import type { Style } from './output.js';
import { paint } from './output.js';

/** What became of a stage, as the progress lines say it. */
export type StageEvent = 'started' | 'waiting' | 'succeeded' | 'skipped' | 'failed' | 'cancelled';

const STYLE: Readonly<Record<StageEvent, Style>> = {
  started: 'cyan',
  waiting: 'magenta',
  succeeded: 'green',
  skipped: 'yellow',
  failed: 'red',
  cancelled: 'yellow',
};

/** The width of the event column ("succeeded"). */
const EVENT_WIDTH = 9;

/** One progress line. */
export interface StageLine {
  readonly event: StageEvent;
  readonly stage: string;
  /** Duration, reason skipped, or error message. */
  readonly note?: string;
}

/**
 * A line of progress: `  succeeded  Enrich (3 ms)`, `  failed     Publish: boom (STAGE_FAILED)`.
 *
 * @param line - what happened
 * @param color - colour the event
 */
export function formatStageLine(line: StageLine, color: boolean): string {
  const event = paint(line.event.padEnd(EVENT_WIDTH), STYLE[line.event], color);
  const note =
    line.note === undefined
      ? ''
      : line.event === 'succeeded'
        ? ` (${line.note})`
        : `: ${line.note.replace(/\s+/g, ' ').trim()}`;
  return `  ${event}  ${line.stage}${note}`;
}

/** Follows the stages of one run. */
export interface StageProgress {
  /** Resolves once every line for the events seen so far is written. */
  flushed(): Promise<void>;
  /** Stops listening. */
  stop(): void;
}

/**
 * Writes a line per stage event of the run `runId()` names (events of other plans are ignored).
 * Lines come in event order: each is written once the plan is read for the step's stage.
 *
 * @param world - the world executing the run
 * @param runId - the run's id, once known (events before that are ignored)
 * @param write - writes one line
 */
export function followStages(
  world: World<object>,
  runId: () => string | undefined,
  write: (line: StageLine) => void,
): StageProgress {
  let chain: Promise<void> = Promise.resolve();
  const started = new Set<number>();
  const off = world.on('step:state', (event) => {
    if (event.phase !== 'run' || event.planId !== runId()) return;
    const { stepId, actionId, state, planId } = event;
    if (state === 'running' || state === 'suspended') {
      // A step that suspends and runs again is one stage start.
      const key = state === 'running' ? stepId : -stepId;
      if (started.has(key)) return;
      started.add(key);
    } else if (state !== 'success' && state !== 'error' && state !== 'cancelled') {
      return;
    }
    chain = chain
      .then(async () => {
        const plan = await world.executionPlan(planId);
        const line = plan === undefined ? undefined : lineOf(plan, stepId, actionId, state);
        if (line !== undefined) write(line);
      })
      .catch(() => undefined);
  });
  return {
    flushed: () => chain,
    stop: off,
  };
}

function lineOf(
  plan: ExecutionPlan,
  stepId: number,
  actionId: number,
  state: string,
): StageLine | undefined {
  const action = plan.actions.find((candidate) => candidate.id === actionId);
  const stage = (action?.input as { stage?: unknown } | undefined)?.stage;
  if (typeof stage !== 'string') return undefined;
  const step = plan.steps[stepId - 1];
  switch (state) {
    case 'running':
      return { event: 'started', stage };
    case 'suspended':
      return { event: 'waiting', stage, note: 'waiting for its sub-plans or an event' };
    case 'cancelled':
      return { event: 'cancelled', stage };
    case 'error': {
      const error = step?.error;
      const code = error?.code === undefined ? '' : ` (${error.code})`;
      return { event: 'failed', stage, note: `${error?.message ?? 'failed'}${code}` };
    }
    default: {
      const skipped = (action?.output as { skipped?: unknown } | undefined)?.skipped;
      if (typeof skipped === 'string') return { event: 'skipped', stage, note: skipped };
      const ms =
        step?.startedAt === undefined || step.endedAt === undefined
          ? undefined
          : Date.parse(step.endedAt) - Date.parse(step.startedAt);
      return ms === undefined
        ? { event: 'succeeded', stage }
        : { event: 'succeeded', stage, note: formatMs(ms) };
    }
  }
}

/**
 * A duration for people: `850 ms`, `2.4 s`, `3 min 5 s`.
 *
 * @param ms - milliseconds
 */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
