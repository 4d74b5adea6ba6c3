/**
 * The storage outage injected in one life: the store goes away for a while (the child goes on
 * triggering plans meanwhile) and comes back; the same world (not a restart) then has a grace
 * period to settle each plan it had in flight: `stopped`, or `paused` with an error a resume
 * fixes. One it has not settled by then is stranded by the outage (the next life would only
 * recover it as a crash).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { PlanState } from '../../src/index.js';
import { appendLine, parseLine } from './journal.js';
import { planStates, withStore } from './store-reads.js';
import type { ChaosStore } from './stores.js';

/** How the live world came through the outage. */
export interface OutageFindings {
  readonly life: number;
  readonly what: string;
  readonly ms: number;
  /** Plans in flight in the live world during the outage. */
  readonly inFlight: readonly string[];
  /** How long after the store came back the last of them settled (when all did). */
  readonly settledAfterMs: number | undefined;
  /** Those still unsettled at the end of the grace period, with their state. */
  readonly unsettled: ReadonlyMap<string, PlanState>;
}

/** What {@link injectOutage} needs. */
export interface OutageRequest {
  readonly store: ChaosStore;
  readonly journal: string;
  readonly life: number;
  readonly ms: number;
  readonly graceMs: number;
  /** The lines the child has written so far; the array grows while the outage lasts. */
  readonly lines: readonly string[];
  /** Tells the child to start no new batch of plans. */
  readonly hold: () => void;
}

/**
 * Plans this life accepted (`planned`) among `lines`, less those it had seen finish among the first
 * `finishedBy` of them.
 */
function acceptedUnfinished(lines: readonly string[], finishedBy: number): Set<string> {
  const accepted = new Set<string>();
  const finished = new Set<string>();
  lines.forEach((text, index) => {
    const line = parseLine(text, index);
    const id = line.fields[1] ?? '';
    if (line.kind === 'planned') accepted.add(id);
    else if (index < finishedBy && (line.kind === 'finished' || line.kind === 'finished-failed')) {
      finished.add(id);
    }
  });
  for (const id of finished) accepted.delete(id);
  return accepted;
}

/** Runs the outage and the grace period after it. */
export async function injectOutage(request: OutageRequest): Promise<OutageFindings> {
  const { store, journal, life, lines } = request;
  // Plans running in the store (this life's, and those it recovered from earlier lives).
  const running = await withStore(store.spec, (adapter) => adapter.findPlans({ state: 'running' }));
  const begin = lines.length;
  appendLine(journal, 'outage-begin', life, store.outageLabel);
  await store.outage(request.ms);
  appendLine(journal, 'outage-end', life);
  const back = Date.now();
  // The grace period is about the plans in flight: no new ones meanwhile (the plans left go to the
  // next lives, which keeps the kills spread over the run).
  request.hold();
  // And the plans this life accepted, up to now, that it had not seen finish when the store went.
  const inFlight = acceptedUnfinished(lines, begin);
  for (const plan of running) inFlight.add(plan.id);

  const deadline = back + request.graceMs;
  const unsettled = await withStore(store.spec, async (adapter) => {
    for (;;) {
      const states = await planStates(adapter, inFlight);
      const open = new Map(
        [...states].filter(([, state]) => state !== 'stopped' && state !== 'paused'),
      );
      if (open.size === 0 || Date.now() >= deadline) return open;
      await delay(250);
    }
  });
  return {
    life,
    what: store.outageLabel,
    ms: request.ms,
    inFlight: [...inFlight],
    settledAfterMs: unsettled.size === 0 ? Date.now() - back : undefined,
    unsettled,
  };
}
