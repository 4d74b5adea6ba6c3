/**
 * Chained plans (`world.chain`): scheduled until every prerequisite is stopped, then planned and
 * executed; a prerequisite that stopped with error (or cancelled) makes the chained plan end
 * stopped/error with PREREQUISITE_FAILED instead of running.
 */
import { describe, expect, it } from 'vitest';
import type { RescueStrategy } from '../../src/index.js';
import { Action, MemoryAdapter, silentLogger } from '../../src/index.js';
import { ManagedClock } from '../../src/testing/managed-clock.js';
import type { Deferred } from '../helpers/world.js';
import { deferred, planReaching, withWorld } from '../helpers/world.js';

const runs: string[] = [];
const gates = new Map<string, Deferred<void>>();

/** Runs until the test opens its gate. */
class Build extends Action<{ name: string }> {
  override plan(name: string) {
    this.planSelf({ name });
  }
  async run() {
    await gates.get(this.input.name)?.promise;
    runs.push(`build ${this.input.name}`);
  }
}

class Broken extends Action {
  run() {
    throw new Error('compiler crashed');
  }
  override rescueStrategy(): RescueStrategy {
    return 'fail';
  }
}

class Deploy extends Action<{ env: string }> {
  override plan(env: string) {
    this.planSelf({ env });
  }
  run() {
    runs.push(`deploy ${this.input.env}`);
  }
}

const actions = [Build, Broken, Deploy];

function gate(name: string): Deferred<void> {
  const d = deferred();
  gates.set(name, d);
  return d;
}

describe('chained plans', () => {
  it('waits in state scheduled while its prerequisite runs, then runs', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    await withWorld({ clock, actions, logger: silentLogger }, async (world) => {
      const open = gate('app');
      const build = world.trigger(Build, 'app');
      await build.planned;
      const chained = await world.chain([build.id], Deploy, 'staging');
      expect(chained.state).toBe('scheduled');
      expect(chained.label).toBe('Deploy');

      // Several periodic re-checks later the prerequisite still runs, so nothing has started.
      await clock.advance(5_000);
      expect((await world.executionPlan(build.id))?.state).toBe('running');
      expect((await world.executionPlan(chained.id))?.state).toBe('scheduled');
      expect(runs).toEqual([]);

      // Stopping the prerequisite in this world starts the chained plan without waiting for a poll.
      const stopped = planReaching(world, chained.id, ['stopped']);
      open.resolve();
      expect((await build.finished).result).toBe('success');
      const plan = await stopped;
      expect(plan.result).toBe('success');
      expect(runs).toEqual(['build app', 'deploy staging']);
    });
  });

  it('waits for every prerequisite', async () => {
    runs.length = 0;
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const openA = gate('a');
      const openB = gate('b');
      const a = world.trigger(Build, 'a');
      const b = world.trigger(Build, 'b');
      await Promise.all([a.planned, b.planned]);
      const chained = await world.chain([a.id, b.id, a.id], Deploy, 'production');

      openA.resolve();
      await a.finished;
      expect((await world.executionPlan(chained.id))?.state).toBe('scheduled');

      const stopped = planReaching(world, chained.id, ['stopped']);
      openB.resolve();
      await b.finished;
      expect((await stopped).result).toBe('success');
      expect(runs).toEqual(['build a', 'build b', 'deploy production']);
    });
  });

  it('a prerequisite already stopped with success lets it start at once; one id may be given alone', async () => {
    runs.length = 0;
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const build = await world.trigger(Build, 'done').finished;
      const chained = await world.chain(build.id, Deploy, 'qa');
      expect((await planReaching(world, chained.id, ['stopped'])).result).toBe('success');
      expect(runs).toEqual(['build done', 'deploy qa']);
    });
  });

  it('ends stopped/error with PREREQUISITE_FAILED naming the prerequisite that failed', async () => {
    runs.length = 0;
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const good = await world.trigger(Build, 'fine').finished;
      const broken = world.trigger(Broken);
      await broken.planned;
      const chained = await world.chain([good.id, broken.id], Deploy, 'production');
      const stopped = planReaching(world, chained.id, ['stopped']);
      const failed = await broken.finished;
      expect([failed.state, failed.result]).toEqual(['stopped', 'error']);

      const plan = await stopped;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('error');
      const root = plan.steps[0];
      expect(root?.state).toBe('error');
      expect(root?.error?.code).toBe('PREREQUISITE_FAILED');
      expect(root?.error?.message).toContain(`${broken.id} (error)`);
      expect(root?.error?.message).not.toContain(good.id);
      expect(plan.history.map((h) => h.event)).toEqual(['prerequisite failed']);
      expect(runs).toEqual(['build fine']);
    });
  });

  it('a failure cascades down a chain of chains', async () => {
    runs.length = 0;
    await withWorld({ actions, logger: silentLogger }, async (world) => {
      const broken = world.trigger(Broken);
      await broken.planned;
      const second = await world.chain(broken.id, Deploy, 'staging');
      const third = await world.chain(second.id, Deploy, 'production');
      const stopped = planReaching(world, third.id, ['stopped']);
      await broken.finished;
      const plan = await stopped;
      expect(plan.steps[0]?.error?.code).toBe('PREREQUISITE_FAILED');
      expect(plan.steps[0]?.error?.message).toContain(second.id);
      expect((await world.executionPlan(second.id))?.steps[0]?.error?.code).toBe(
        'PREREQUISITE_FAILED',
      );
      expect(runs).toEqual([]);
    });
  });

  it('a prerequisite stopped by another world is noticed by the periodic re-check', async () => {
    runs.length = 0;
    const clock = new ManagedClock();
    const adapter = new MemoryAdapter();
    await withWorld({ adapter, clock, actions, logger: silentLogger }, async (worker) => {
      await withWorld({ adapter, clock, actions, logger: silentLogger }, async (chainer) => {
        const open = gate('remote');
        const build = worker.trigger(Build, 'remote');
        await build.planned;
        const chained = await chainer.chain(build.id, Deploy, 'edge');
        open.resolve();
        await build.finished;
        // Nobody in the chaining world heard the prerequisite stop; no poll has run yet.
        expect((await chainer.executionPlan(chained.id))?.state).toBe('scheduled');
        const stopped = Promise.race([
          planReaching(worker, chained.id, ['stopped']),
          planReaching(chainer, chained.id, ['stopped']),
        ]);
        await clock.advance(1_000);
        expect((await stopped).result).toBe('success');
        expect(runs).toEqual(['build remote', 'deploy edge']);
      });
    });
  });
});
