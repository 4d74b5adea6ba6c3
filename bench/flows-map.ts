/**
 * A `Map` over many items, measured in a fresh process. Run by bench/flows.ts with `--expose-gc`:
 *
 *   node --expose-gc --import tsx bench/flows-map.ts <items> <concurrency>
 *
 * Saves a flow `entry → Map (items, concurrency) → Inc → Reduce` on the memory store, runs it over
 * `items` numbers and prints one line of JSON: items per second from trigger to the run's end, and
 * the heap used before (after a forced GC), at its peak while the run went on (sampled every 50 ms,
 * no GC), and after (after a forced GC; the memory store keeps every item's sub-plan, so this
 * includes the stored runs).
 */
import { engineComplaints } from './logger.js';
import { flowsWorld } from './flows-workloads.js';

/** What the child prints. */
export interface MapResult {
  readonly items: number;
  readonly concurrency: number;
  readonly ms: number;
  readonly itemsPerSec: number;
  readonly heapBefore: number;
  readonly heapPeak: number;
  readonly heapAfter: number;
  readonly complaints: Record<string, number>;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const collect = gc;

function heapUsed(): number {
  for (let i = 0; i < 4; i++) collect();
  return process.memoryUsage().heapUsed;
}

async function measure(items: number, concurrency: number): Promise<MapResult> {
  const { world, flows } = await flowsWorld(undefined, 100);
  try {
    await flows.save({
      name: 'map',
      stages: [
        { name: 'entry', action: 'Pass', props: {}, out: ['each'] },
        { name: 'each', action: 'Map', props: { items: 'items', concurrency }, out: ['inc'] },
        { name: 'inc', action: 'Inc', props: {}, out: ['collect'] },
        { name: 'collect', action: 'Reduce', props: {}, out: [] },
      ],
    });
    const input = { items: Array.from({ length: items }, (_, i) => i) };
    const heapBefore = heapUsed();
    let heapPeak = heapBefore;
    const sampler = setInterval(() => {
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    }, 50);
    const start = performance.now();
    const plan = await flows.trigger('map', input).finished;
    const ms = performance.now() - start;
    clearInterval(sampler);
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    if (plan.result !== 'success')
      throw new Error(`the Map run ended ${plan.state}/${plan.result}`);
    const heapAfter = heapUsed();
    return {
      items,
      concurrency,
      ms,
      itemsPerSec: (items / ms) * 1000,
      heapBefore,
      heapPeak,
      heapAfter,
      complaints: Object.fromEntries(engineComplaints),
    };
  } finally {
    await world.close();
  }
}

const [items, concurrency] = process.argv.slice(2).map(Number);
if (items === undefined || concurrency === undefined || !(items > 0) || !(concurrency > 0)) {
  throw new Error('usage: flows-map.ts <items> <concurrency>');
}
process.stdout.write(`${JSON.stringify(await measure(items, concurrency))}\n`);
