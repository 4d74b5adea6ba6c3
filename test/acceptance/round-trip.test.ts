import { describe, expect, it } from 'vitest';
import { Action, silentLogger } from '../../src/index.js';
import type { ExecutionPlan } from '../../src/index.js';
import { withWorld } from '../helpers/world.js';

class Fetch extends Action<{ url: string; headers: Record<string, string> }, { body: string }> {
  override plan(url: string) {
    this.planSelf({ url, headers: { accept: 'application/json' } });
  }
  run() {
    this.output.body = `{"from":"${this.input.url}"}`;
  }
  finalize() {}
}

class Parse extends Action<{ body: string }, { keys: string[]; nested: { ok: boolean } }> {
  override plan(body: string) {
    this.planSelf({ body });
  }
  run() {
    this.output.keys = Object.keys(JSON.parse(this.input.body) as object);
    this.output.nested = { ok: true };
  }
}

class Pipeline extends Action {
  override plan(url: string) {
    const fetched = this.planAction(Fetch, url);
    this.planAction(Parse, fetched.output.body);
  }
}

class Other extends Action {
  override plan() {
    this.planSelf({});
  }
  run() {}
}

describe('execution plan round trip', () => {
  it('the plan returned by finished survives JSON and equals world.executionPlan(id)', async () => {
    await withWorld({ actions: [Fetch, Parse, Pipeline] }, async (world) => {
      const plan = await world.trigger(Pipeline, 'https://example.test/a').finished;
      expect(plan.state).toBe('stopped');
      expect(plan.result).toBe('success');
      expect(plan.actions.find((a) => a.className === 'Parse')?.output).toEqual({
        keys: ['from'],
        nested: { ok: true },
      });

      const copy = JSON.parse(JSON.stringify(plan)) as ExecutionPlan;
      expect(copy).toStrictEqual(plan);

      const stored = await world.executionPlan(plan.id);
      expect(stored).toStrictEqual(plan);
      expect(JSON.parse(JSON.stringify(stored)) as ExecutionPlan).toStrictEqual(plan);

      // A snapshot is detached: changing it does not change the store.
      plan.actions[0]!.output.tampered = true;
      expect((await world.executionPlan(plan.id))?.actions[0]?.output).toEqual({});
      expect(await world.executionPlan('no-such-plan')).toBeUndefined();
    });
  });

  it('a paused plan with a step error survives JSON and equals the stored plan too', async () => {
    class Failing extends Action {
      override plan() {
        this.planSelf({ attempt: 1 });
      }
      run() {
        throw new SyntaxError('bad response');
      }
    }

    await withWorld({ actions: [Failing], logger: silentLogger }, async (world) => {
      const plan = await world.trigger(Failing).finished;
      expect(plan.state).toBe('paused');
      expect(plan.steps.find((s) => s.phase === 'run')?.error).toMatchObject({
        className: 'SyntaxError',
        message: 'bad response',
      });
      expect(JSON.parse(JSON.stringify(plan)) as ExecutionPlan).toStrictEqual(plan);
      expect(await world.executionPlan(plan.id)).toStrictEqual(plan);
    });
  });

  it('executionPlans filters by state, result and label, newest first, and pages with limit/offset', async () => {
    await withWorld({ actions: [Fetch, Parse, Pipeline, Other] }, async (world) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await world.trigger(Pipeline, `https://example.test/${i}`).finished).id);
      }
      const other = await world.trigger(Other).finished;
      const planned = await world.plan(Other);
      expect(planned.state).toBe('planned');
      const newestFirst = [...ids].reverse();

      const all = await world.executionPlans();
      expect(all.map((p) => p.id)).toEqual([planned.id, other.id, ...newestFirst]);

      const done = await world.executionPlans({ state: 'stopped', result: 'success' });
      expect(done.map((p) => p.id)).toEqual([other.id, ...newestFirst]);
      expect(done[0]).toStrictEqual(other);

      const pipelines = await world.executionPlans({ label: 'Pipeline' });
      expect(pipelines.map((p) => p.id)).toEqual(newestFirst);

      const page = await world.executionPlans({
        state: 'stopped',
        result: 'success',
        label: 'Pipeline',
        limit: 2,
        offset: 1,
      });
      expect(page.map((p) => p.id)).toEqual(newestFirst.slice(1, 3));

      const tail = await world.executionPlans({ label: 'Pipeline', limit: 10, offset: 4 });
      expect(tail.map((p) => p.id)).toEqual(newestFirst.slice(4));
      expect(await world.executionPlans({ label: 'Pipeline', offset: 5 })).toEqual([]);
      expect(await world.executionPlans({ state: 'planned' })).toStrictEqual([planned]);
      expect(await world.executionPlans({ result: 'error' })).toEqual([]);
      expect(
        await world.executionPlans({ state: ['planned', 'stopped'], label: 'Other' }),
      ).toHaveLength(2);
    });
  });
});
