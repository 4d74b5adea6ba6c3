/**
 * `npm run bench`: engine overhead and growth with plan size on the memory store. Prints a table
 * and rewrites docs/benchmarks.md. Every figure is the median of several runs.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { baselinePlans, enginePlans, growth, median } from './workloads.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000,100000').split(',').map(Number);
const lines: string[] = [];
const out = (line: string): void => {
  console.log(line);
  lines.push(line);
};

out('## Engine overhead, memory store');
out('');
out('| workload | steps | engine ms | steps/s | µs/step | plain async ms | ratio |');
out('|---|---:|---:|---:|---:|---:|---:|');
for (const [plans, steps] of [
  [1000, 10],
  [100, 100],
] as const) {
  for (const shape of ['sequence', 'concurrence'] as const) {
    const engine = await median(RUNS, () => enginePlans(plans, steps, shape));
    const base = await median(RUNS, () => baselinePlans(plans, steps, shape));
    const total = plans * steps;
    out(
      `| ${plans} plans × ${steps} (${shape}) | ${total} | ${engine.toFixed(1)} | ` +
        `${Math.round((total / engine) * 1000)} | ${((engine * 1000) / total).toFixed(1)} | ` +
        `${base.toFixed(2)} | ${(engine / base).toFixed(0)}× |`,
    );
  }
}

out('');
out('## Growth with plan size (one plan)');
out('');
out('| actions | shape | planning ms | run ms | µs/step (run) | vs 100 |');
out('|---:|---|---:|---:|---:|---:|');
for (const shape of ['sequence', 'concurrence'] as const) {
  let base = 0;
  for (const size of SIZES) {
    const runs = size >= 100_000 ? 1 : RUNS;
    const samples: { plan: number; run: number }[] = [];
    for (let i = 0; i < runs + 1; i++) samples.push(await growth(size, shape));
    samples.shift();
    const plan = samples.map((s) => s.plan).sort((a, b) => a - b)[
      Math.floor(samples.length / 2)
    ] as number;
    const run = samples.map((s) => s.run).sort((a, b) => a - b)[
      Math.floor(samples.length / 2)
    ] as number;
    const perStep = (run * 1000) / size;
    if (base === 0) base = perStep;
    out(
      `| ${size} | ${shape} | ${plan.toFixed(1)} | ${run.toFixed(1)} | ${perStep.toFixed(1)} | ` +
        `${(perStep / base).toFixed(2)}× |`,
    );
  }
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# Benchmarks',
  '',
  'Produced by `npm run bench` (bench/run.ts); every figure is the median of ' +
    `${RUNS} runs after a warm-up (runs at 100 000 actions: 1).`,
  '',
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
  `- Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
  `- Node: ${process.version}`,
  '',
  'The engine figures include planning, persisting every step through the store, and events; the',
  'plain-async baseline calls the same trivial function with `await` / `Promise.all` and nothing else,',
  'so the ratio is the whole engine cost per step, not a like-for-like feature comparison.',
  '',
];
writeFileSync(
  new URL('../docs/benchmarks.md', import.meta.url),
  [...header, ...lines, ''].join('\n'),
);
console.log('\nwrote docs/benchmarks.md');
