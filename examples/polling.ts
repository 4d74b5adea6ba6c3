/**
 * Polling: starting a task on an external system and checking on it until it is done.
 *
 * Dynflow's `Action::Polling`. `BuildImage` asks a (simulated) image builder to start a build, then
 * polls it, suspended in between so it holds no worker. The waits grow — 0.1 s twice, then 0.2 s
 * twice, then 0.4 s from then on — and one poll fails on a network blip, which is retried at the
 * next interval. A second build never finishes: its `scheduleTimeout` fails the step after 1.5 s.
 *
 * Run it with `npx tsx examples/polling.ts`.
 */
import type { RescueStrategy } from '../src/index.js';
import { PollingAction, World } from '../src/index.js';
import { json, stepTable, stopwatch } from './format.js';

const elapsed = stopwatch();

/** What the builder says about a build: JSON data, kept in the step's output between polls. */
interface Build {
  id: string;
  status: 'queued' | 'building' | 'finished';
  imageId?: string;
}

/** A stand-in for a remote build service that only answers questions (no callbacks). */
class ImageBuilder {
  #next = 1;
  readonly #finishAt = new Map<string, number>();
  #blips = 1;

  start(recipe: string): Build {
    const id = `build-${this.#next++}`;
    // The 'stuck' recipe never finishes; the others take 0.9 s.
    this.#finishAt.set(id, recipe === 'stuck' ? Infinity : performance.now() + 900);
    console.log(`${elapsed()}  [builder] ${id} queued for ${recipe}`);
    return { id, status: 'queued' };
  }

  status(id: string): Build {
    if (id === 'build-1' && this.#blips-- > 0) throw new Error('connection reset by peer');
    const finishAt = this.#finishAt.get(id) ?? Infinity;
    return performance.now() >= finishAt
      ? { id, status: 'finished', imageId: `img-${id}` }
      : { id, status: 'building' };
  }
}

const BUILDER = new ImageBuilder();

class BuildImage extends PollingAction<{ recipe: string }, { imageId?: string }, Build> {
  // Waits of 0.1 s twice, 0.2 s twice, then 0.4 s (the last interval is kept).
  override attemptsBeforeNextInterval = 2;
  override pollIntervals(): number[] {
    return [0.1, 0.2, 0.4];
  }

  override plan(recipe: string): void {
    this.planSelf({ recipe });
  }

  override rescueStrategy(): RescueStrategy {
    return 'fail';
  }

  /** Sets an overall limit when the build starts: a timeout event arrives after 1.5 s. */
  protected override async initiateExternalAction(): Promise<void> {
    this.scheduleTimeout(1500);
    await super.initiateExternalAction();
  }

  override invokeExternalTask(): Build {
    return BUILDER.start(this.input.recipe);
  }

  override pollExternalTask(build: Build): Build {
    const poll = `${elapsed()}  ${this.input.recipe}: poll ${this.pollAttempts.total}`;
    try {
      const polled = BUILDER.status(build.id);
      console.log(`${poll} → ${polled.status}`);
      return polled;
    } catch (error) {
      // Thrown on: counted as a failed poll and retried at the next interval.
      console.log(`${poll} → failed: ${(error as Error).message}`);
      throw error;
    }
  }

  override done(build: Build): boolean {
    return build.status === 'finished';
  }

  override onFinish(build: Build): void {
    this.output.imageId = build.imageId;
  }
}

const world = new World({ actions: [BuildImage] });
await world.start();

const plans = await Promise.all([
  world.trigger(BuildImage, 'fedora-42').finished,
  world.trigger(BuildImage, 'stuck').finished,
]);
for (const plan of plans) {
  console.log(`\nPlan ${plan.id}: state ${plan.state}, result ${plan.result}`);
  console.log(`Output: ${json(plan.actions[0]?.output)}`);
  console.log(stepTable(plan, ['run']));
  const step = plan.steps.find((s) => s.phase === 'run');
  for (const line of await world.stepLog(plan.id, step?.id)) {
    console.log(`  log ${line.level}: ${line.message}`);
  }
}

await world.close();
