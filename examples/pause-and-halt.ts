/**
 * Pausing, halting and cancelling plans: `world.pause` lets running steps finish and starts nothing
 * new (`resume` continues); `world.halt` stops a plan for good — running code sees `this.signal`
 * abort, everything that has not run is cancelled; `world.cancel` first asks cancellable actions to
 * stop their external work.
 *
 * Run with: npx tsx examples/pause-and-halt.ts
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Action, World } from '../src/index.js';

class CopyChunk extends Action<{ chunk: number }> {
  async run() {
    console.log(`  copying chunk ${this.input.chunk}…`);
    // Real work would pass this.signal to fetch() or a stream so a halt stops it early.
    await sleep(100, undefined, { signal: this.signal }).catch(() => {
      console.log(`  chunk ${this.input.chunk}: halted while copying`);
    });
  }
}

/** A cancellable action: `cancel(force)` stops the external job it waits for. */
class ExternalExport extends Action<{ job: string }> {
  static jobs = new Map<string, AbortController>();
  async run() {
    const job = new AbortController();
    ExternalExport.jobs.set(this.input.job, job);
    console.log(`  export ${this.input.job} started`);
    await sleep(10_000, undefined, { signal: job.signal }); // the "external" job
  }
  cancel(force: boolean) {
    console.log(`  cancel(${String(force)}) → stopping export ${this.input.job}`);
    ExternalExport.jobs.get(this.input.job)?.abort();
  }
}

class Migration extends Action {
  override plan(chunks: number) {
    this.sequence(() => {
      for (let chunk = 1; chunk <= chunks; chunk++) this.planAction(CopyChunk, { chunk });
    });
  }
}

const world = new World({ actions: [CopyChunk, Migration] });
await world.start();

console.log('Pause after the first chunk, then resume:');
const first = world.trigger(Migration, 3);
await first.planned;
await sleep(50); // let chunk 1 start (an example may wait on a timer; tests never do)
await world.pause(first.id);
const paused = await world.executionPlan(first.id);
console.log(
  `  paused: ${paused?.steps.filter((s) => s.phase === 'run' && s.state === 'success').length} chunk(s) done`,
);
const resumed = await world.resume(first.id);
console.log(`  resumed → ${resumed.state}/${resumed.result}\n`);

console.log('Halt during the first chunk:');
const second = world.trigger(Migration, 3);
await second.planned;
await sleep(50);
await world.halt(second.id);
const halted = await second.finished;
const states = halted.steps.filter((s) => s.phase === 'run').map((s) => s.state);
console.log(`  halted → ${halted.state}/${halted.result}; run steps: ${states.join(', ')}`);

console.log('\nCancel a plan waiting on an external export:');
world.register(ExternalExport);
const third = world.trigger(ExternalExport, { job: 'export-7' });
await third.planned;
await sleep(50);
await world.cancel(third.id);
const cancelled = await third.finished;
const step = cancelled.steps.find((s) => s.phase === 'run');
console.log(`  cancelled → ${cancelled.state}/${cancelled.result}; export step: ${step?.state}`);

await world.close();
