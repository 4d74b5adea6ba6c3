/**
 * Flowline on a durable store: plans of `steps` trivial sequential run steps, `inFlight` of them
 * running at any time (a sliding window), in a world of its own on a fresh store.
 */
import { World } from '../src/index.js';
import { keepInFlight } from './in-flight.js';
import { benchLogger } from './logger.js';
import type { Store } from './stores.js';
import { Noop, Shape } from './workloads.js';

/** Workflows (plans) and steps finished per second. */
export interface Throughput {
  readonly plansPerSec: number;
  readonly stepsPerSec: number;
}

/** How many plans one measurement starts at most, and for how long. */
export interface WindowLimits {
  readonly total: number;
  readonly budgetMs: number;
}

/** The default limits for `inFlight` at once: max(200, 20 × inFlight) plans or 5 s. */
export function limitsFor(inFlight: number, budgetMs = 5000): WindowLimits {
  return { total: Math.max(200, 20 * inFlight), budgetMs };
}

/** Turns a window's result into rates for workflows of `steps` steps. */
export function rates(steps: number, completed: number, ms: number): Throughput {
  const plansPerSec = (completed / ms) * 1000;
  return { plansPerSec, stepsPerSec: plansPerSec * steps };
}

/** One measurement of Flowline on `store`. */
export async function flowlineThroughput(
  store: Store,
  steps: number,
  inFlight: number,
  limits: WindowLimits = limitsFor(inFlight),
): Promise<Throughput> {
  const { adapter, remove } = await store.open();
  try {
    const world = new World({
      adapter,
      actions: [Noop, Shape],
      // The executor pool is not the limit: every plan in flight can have its step running.
      concurrency: Math.max(10, inFlight),
      logger: benchLogger,
    });
    try {
      await world.start();
      const { completed, ms } = await keepInFlight(
        inFlight,
        limits.total,
        limits.budgetMs,
        async () => {
          const plan = await world.trigger(Shape, steps, 'sequence').finished;
          if (plan.result !== 'success') {
            throw new Error(`a bench plan on ${store.label} ended ${plan.state}/${plan.result}`);
          }
        },
      );
      return rates(steps, completed, ms);
    } finally {
      await world.close();
    }
  } finally {
    await remove();
  }
}
