/**
 * Progress and step logs.
 *
 * A plan imports a disk image: `CopyImage` does most of the work, so it weighs its run step by the
 * image size (`progressWeight`); it suspends while a (simulated) copier works and reports how far
 * it got (`progressDone`, read each time `run` suspends). `Register` is light (weight 1). The plan's
 * progress is the weighted mean of its run and finalize steps — Dynflow's formula:
 *
 *     progress = sum(weight × done) / sum(weight)
 *
 * Both actions write to `this.log`; the lines are stored with their steps and read back with
 * `world.stepLog(planId, stepId?)`.
 *
 * Run it with `npx tsx examples/progress-and-logs.ts`.
 */
import type { JsonValue, SuspendedAction } from '../src/index.js';
import { Action, World } from '../src/index.js';
import { stopwatch } from './format.js';

const elapsed = stopwatch();

/** A copier that reports progress through the suspended step's handle, then says `done`. */
function startCopier(handle: SuspendedAction, sizeGb: number): void {
  let copied = 0;
  const tick = setInterval(() => {
    copied = Math.min(sizeGb, copied + 2);
    void handle.event(copied === sizeGb ? 'done' : { copied });
    if (copied === sizeGb) clearInterval(tick);
  }, 100);
}

class CopyImage extends Action<{ image: string; sizeGb: number }, { copiedGb?: number }> {
  override plan(image: string, sizeGb: number): void {
    this.log.info('planning the copy', { image, sizeGb });
    this.planSelf({ image, sizeGb });
  }

  /** Read when planSelf creates the steps: the run step weighs the image size, finalize 1. */
  override progressWeight(phase: 'run' | 'finalize'): number {
    return phase === 'run' ? this.input.sizeGb : 1;
  }

  /** Read each time run suspends. */
  override progressDone(): number {
    return (this.output.copiedGb ?? 0) / this.input.sizeGb;
  }

  run(event?: JsonValue): void {
    if (event === undefined) {
      this.log.info('starting the copier');
      this.suspend((handle) => {
        startCopier(handle, this.input.sizeGb);
      });
    }
    if (event === 'done') {
      this.output.copiedGb = this.input.sizeGb;
      this.log.info('copy complete');
      return;
    }
    const copied = (event as { copied: number }).copied;
    this.output.copiedGb = copied;
    this.log.debug('copier report', { copied });
    this.suspend();
  }

  finalize(): void {
    this.log.info('image published', { image: this.input.image });
  }
}

class Register extends Action<{ image: string }> {
  run(): void {
    this.log.warn('registry is slow today', { latencyMs: 850 });
  }
}

class ImportImage extends Action {
  override plan(image: string): void {
    this.sequence(() => {
      this.planAction(CopyImage, image, 8);
      this.planAction(Register, { image });
    });
  }
}

const world = new World({ actions: [CopyImage, Register, ImportImage] });
await world.start();

const triggered = world.trigger(ImportImage, 'fedora-42.qcow2');
// Each time the copy step suspends again, show the plan's progress.
world.on('step:state', ({ planId, state }) => {
  if (planId !== triggered.id || state !== 'suspended') return;
  void world.executionPlan(planId).then((plan) => {
    const copy = plan?.steps.find((s) => s.className === 'CopyImage' && s.phase === 'run');
    console.log(
      `${elapsed()}  copy step ${((copy?.progress ?? 0) * 100).toFixed(0)}% → ` +
        `plan ${((plan?.progress ?? 0) * 100).toFixed(1)}%`,
    );
  });
});

const plan = await triggered.finished;
console.log(`\nPlan ${plan.id}: ${plan.state}/${plan.result}, progress ${plan.progress}`);
console.log(
  'Weights:',
  plan.steps
    .filter((s) => s.phase !== 'plan')
    .map((s) => `${s.className} ${s.phase} ${s.progressWeight}`)
    .join(', '),
);

console.log('\nStep log:');
for (const line of await world.stepLog(plan.id)) {
  const step = plan.steps[line.stepId - 1];
  const meta = line.meta === undefined ? '' : ` ${JSON.stringify(line.meta)}`;
  console.log(
    `  step ${line.stepId} ${step?.className} ${step?.phase}  ${line.level.padEnd(5)} ${line.message}${meta}`,
  );
}

await world.close();
