/**
 * The `flows` section of the bench (`BENCH_ONLY=flows npx tsx bench/run.ts`): compile time of flows
 * of 10 / 100 / 1 000 stages, the cost per stage of a flow against plain actions doing the same
 * work, and a `Map` over 10 000 items (in a fresh process, for its heap figures).
 *
 * Environment: BENCH_RUNS (memory store runs, default 5), BENCH_DURABLE_RUNS (SQLite, default 3),
 * BENCH_FLOWS_MAP_RUNS (Map processes, default 3), BENCH_FLOWS_MAP_ITEMS (default 10000).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PersistenceAdapter } from '../src/index.js';
import { parseFlow } from '../src/flows/index.js';
import { engineComplaints } from './logger.js';
import type { MapResult } from './flows-map.js';
import type { FlowShape } from './flows-workloads.js';
import { PlainChain, STAGE_ACTIONS, flowOf, flowsWorld, yamlOf } from './flows-workloads.js';
import { rate, table } from './report.js';
import { sqliteStore } from './stores.js';
import { medianOf, time } from './workloads.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DURABLE_RUNS = Number(process.env.BENCH_DURABLE_RUNS ?? 3);
const MAP_RUNS = Number(process.env.BENCH_FLOWS_MAP_RUNS ?? 3);
const MAP_ITEMS = Number(process.env.BENCH_FLOWS_MAP_ITEMS ?? 10_000);
const MAP_CONCURRENCY = 50;
const SIZES = [10, 100, 1000] as const;
const SHAPES: readonly FlowShape[] = ['chain', 'fan-out/fan-in'];

/** One sample of compiling a flow: parseFlow of its YAML, and the plan phase of a run of it. */
async function compileOnce(
  shape: FlowShape,
  size: number,
): Promise<{ parse: number; plan: number }> {
  const flow = flowOf(shape, size);
  const text = yamlOf(flow);
  const parse = await time(() => {
    parseFlow(text, { actions: STAGE_ACTIONS });
    return Promise.resolve();
  });
  const { world, flows } = await flowsWorld();
  try {
    await flows.save(flow);
    const run = flows.trigger(flow.name, 0);
    const plan = await time(() => run.planned);
    const done = await run.finished;
    if (done.result !== 'success') throw new Error(`${flow.name}: ${done.state}/${done.result}`);
    return { parse, plan };
  } finally {
    await world.close();
  }
}

/** Compile time: parseFlow and planning, per shape and size. */
async function compileTimes(): Promise<string[]> {
  const rows: string[][] = [];
  for (const shape of SHAPES) {
    for (const size of SIZES) {
      const runs = Math.max(RUNS, Math.ceil(1000 / size));
      const samples: { parse: number; plan: number }[] = [];
      for (let i = 0; i < runs + 1; i++) samples.push(await compileOnce(shape, size));
      samples.shift();
      const parse = medianOf(samples.map((s) => s.parse));
      const plan = medianOf(samples.map((s) => s.plan));
      rows.push([
        shape,
        String(size),
        parse.toFixed(2),
        plan.toFixed(2),
        (((parse + plan) * 1000) / size).toFixed(0),
      ]);
    }
  }
  return table(['shape', 'stages:', 'parseFlow ms:', 'planning ms:', 'µs/stage:'], rows);
}

/** Elapsed ms of `runs` runs of a 10-stage chain flow, or of 10-action PlainChain plans. */
async function chains(
  kind: 'flow' | 'plain',
  runs: number,
  adapter?: PersistenceAdapter,
): Promise<number> {
  const { world, flows } = await flowsWorld(adapter);
  try {
    const flow = flowOf('chain', 10);
    await flows.save(flow);
    return await time(async () => {
      const all = [];
      for (let i = 0; i < runs; i++) {
        all.push(
          kind === 'flow'
            ? flows.trigger(flow.name, 0).finished
            : world.trigger(PlainChain, 10).finished,
        );
      }
      const done = await Promise.all(all);
      if (done.some((plan) => plan.result !== 'success')) throw new Error('a bench run failed');
    });
  } finally {
    await world.close();
  }
}

/** Cost per stage: a flow against plain chained actions, memory store and SQLite NORMAL. */
async function overhead(): Promise<string[]> {
  const rows: string[][] = [];
  const cases = [
    { label: 'memory', runs: 500, samples: RUNS, store: undefined },
    { label: 'SQLite NORMAL', runs: 50, samples: DURABLE_RUNS, store: sqliteStore('NORMAL') },
  ] as const;
  for (const { label, runs, samples, store } of cases) {
    const measure = async (kind: 'flow' | 'plain'): Promise<number> => {
      const opened = await store?.open();
      try {
        return await chains(kind, runs, opened?.adapter);
      } finally {
        await opened?.remove();
      }
    };
    // One warm-up each, then alternating, so that both see the machine in the same state.
    await measure('flow');
    await measure('plain');
    const flowMs: number[] = [];
    const plainMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      flowMs.push(await measure('flow'));
      plainMs.push(await measure('plain'));
    }
    const flow = medianOf(flowMs);
    const plain = medianOf(plainMs);
    const stages = runs * 10;
    const perFlow = (flow * 1000) / stages;
    const perPlain = (plain * 1000) / stages;
    rows.push([
      label,
      `${runs} × 10`,
      perFlow.toFixed(1),
      perPlain.toFixed(1),
      `${(perFlow / perPlain).toFixed(2)}×`,
      rate((stages / flow) * 1000),
    ]);
  }
  return table(
    ['store', 'runs × stages', 'flow µs/stage:', 'plain µs/step:', 'ratio:', 'flow stages/s:'],
    rows,
  );
}

/** One Map measurement in a fresh process with `--expose-gc`. */
async function mapInChild(items: number, concurrency: number): Promise<MapResult> {
  const script = fileURLToPath(new URL('./flows-map.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, String(items), String(concurrency)],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`flows-map.ts ${items} ${concurrency} exited with ${code}`);
  const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as MapResult;
  for (const [message, count] of Object.entries(result.complaints)) {
    engineComplaints.set(message, (engineComplaints.get(message) ?? 0) + count);
  }
  return result;
}

/** A Map over many items: items/s and heap growth. */
async function mapItems(): Promise<string[]> {
  const results: MapResult[] = [];
  for (let i = 0; i < MAP_RUNS; i++) results.push(await mapInChild(MAP_ITEMS, MAP_CONCURRENCY));
  const middle = medianOf(results.map((r) => r.itemsPerSec));
  const chosen = results.find((r) => r.itemsPerSec === middle) ?? results[0];
  if (chosen === undefined) return [];
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  return table(
    [
      'items:',
      'concurrency:',
      'run s:',
      'items/s:',
      'heap before MiB:',
      'peak growth MiB:',
      'retained growth MiB:',
    ],
    [
      [
        String(chosen.items),
        String(chosen.concurrency),
        (chosen.ms / 1000).toFixed(1),
        rate(chosen.itemsPerSec),
        mib(chosen.heapBefore),
        mib(chosen.heapPeak - chosen.heapBefore),
        mib(chosen.heapAfter - chosen.heapBefore),
      ],
    ],
  );
}

/** The flows section: three tables and what they measure. */
export async function flowsBench(): Promise<string[]> {
  const compile = await compileTimes();
  const cost = await overhead();
  const map = await mapItems();
  return [
    '## Flows',
    '',
    '### Compile time (parseFlow + planning a run)',
    '',
    ...compile,
    '',
    '`parseFlow` of the flow as YAML text (schema, graph and props checks), and the plan phase of a',
    'run (`flows.trigger` until `planned`: one step per stage, stored). A chain is `s0 → s1 → …`;',
    'fan-out/fan-in is one entry stage, N − 2 stages after it and one join after all of them.',
    '',
    '### Cost per stage: a flow against plain actions doing the same work',
    '',
    ...cost,
    '',
    'N runs of a 10-stage chain flow (each stage adds one to its input) against N plans of 10',
    'chained plain actions doing the same (each fed the previous output by an output reference, in',
    'a sequence), all triggered at once in a world of concurrency 10; time from the first trigger',
    'to the last run stopped; flow and plain measurements alternate. Goal: a flow stage costs under',
    '2× a plain step.',
    '',
    `### Map over ${MAP_ITEMS} items (concurrency ${MAP_CONCURRENCY}, memory store)`,
    '',
    ...map,
    '',
    '`entry → Map → Inc → Reduce`, each item a sub-plan; in a fresh process with `--expose-gc`:',
    'heap used before (after GC), its peak during the run (sampled every 50 ms), and after (after',
    `GC: the memory store keeps every item's sub-plan). Median of ${MAP_RUNS} processes by items/s.`,
  ];
}
