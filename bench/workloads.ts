import { Action, World, silentLogger } from '../src/index.js';

/** A trivial step: what the engine costs around it is what we measure. */
export class Noop extends Action<{ i: number }, { i: number }> {
  run(): void {
    this.output.i = this.input.i;
  }
}

/** A plan of `size` Noop actions, in a sequence or a concurrence. */
export class Shape extends Action {
  override plan(size: number, shape: 'sequence' | 'concurrence'): void {
    this[shape](() => {
      for (let i = 0; i < size; i++) this.planAction(Noop, { i });
    });
  }
}

/** Milliseconds `fn` takes. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** The median of `samples` (the upper one of the middle two when there is an even number). */
export function medianOf(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median of `runs` timings of `fn` (after one warm-up). */
export async function median(runs: number, fn: () => Promise<number>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await fn());
  return medianOf(samples);
}

/** A started memory-store world with the bench actions. */
export async function memoryWorld(concurrency = 10): Promise<World> {
  const world = new World({ actions: [Noop, Shape], concurrency, logger: silentLogger });
  await world.start();
  return world;
}

/** N plans of M steps each, all triggered at once; returns elapsed ms. */
export async function enginePlans(
  plans: number,
  steps: number,
  shape: 'sequence' | 'concurrence',
): Promise<number> {
  const world = await memoryWorld();
  try {
    return await time(async () => {
      const all = [];
      for (let p = 0; p < plans; p++) all.push(world.trigger(Shape, steps, shape).finished);
      const done = await Promise.all(all);
      if (done.some((plan) => plan.result !== 'success')) throw new Error('a bench plan failed');
    });
  } finally {
    await world.close();
  }
}

/** The same work as {@link enginePlans} with plain async calls and no engine. */
export async function baselinePlans(
  plans: number,
  steps: number,
  shape: 'sequence' | 'concurrence',
): Promise<number> {
  const step = async (i: number): Promise<{ i: number }> => ({ i });
  return time(async () => {
    const all = [];
    for (let p = 0; p < plans; p++) {
      all.push(
        (async () => {
          if (shape === 'sequence') for (let i = 0; i < steps; i++) await step(i);
          else await Promise.all(Array.from({ length: steps }, (_, i) => step(i)));
        })(),
      );
    }
    await Promise.all(all);
  });
}

/** One plan of `size` actions: planning ms and execution ms. */
export async function growth(
  size: number,
  shape: 'sequence' | 'concurrence',
): Promise<{ plan: number; run: number }> {
  const world = await memoryWorld();
  try {
    let id = '';
    const plan = await time(async () => {
      id = (await world.plan(Shape, size, shape)).id;
    });
    const run = await time(async () => {
      const done = await world.execute(id);
      if (done.result !== 'success') throw new Error('a bench plan failed');
    });
    return { plan, run };
  } finally {
    await world.close();
  }
}
