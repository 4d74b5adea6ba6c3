/** Pure parts of the console: the flow graph on deep flows, the plan query and its search window. */
import { describe, expect, it } from 'vitest';
import type { ComposedFlow, ExecutionPlan, PlanFilter, StepRecord } from '../../src/index.js';
import { Links } from '../../src/console/links.js';
import { flowGraph } from '../../src/console/pages/flow-graph.js';
import { findPlanPage, parsePlanQuery } from '../../src/console/plan-query.js';
import type { ConsoleSource } from '../../src/console/source.js';
import { stepBoxes } from './helpers.js';

function step(id: number): StepRecord {
  return {
    id,
    actionId: id,
    className: `Step${id}`,
    phase: 'run',
    state: 'pending',
    progress: 0,
    progressWeight: 1,
  };
}

describe('flowGraph', () => {
  it('draws a flow nested thousands of levels deep without overflowing the stack', () => {
    const depth = 20_000;
    let flow: ComposedFlow = { type: 'sequence', flows: [{ type: 'atom', stepId: 1 }] };
    for (let level = 2; level <= depth; level++) {
      flow = {
        type: level % 2 === 0 ? 'concurrence' : 'sequence',
        flows: [{ type: 'atom', stepId: level }, flow],
      };
    }
    const steps = Array.from({ length: depth }, (_, index) => step(index + 1));
    const markup = flowGraph(flow, steps, 'p', new Links('')).value;
    expect(stepBoxes(markup)).toHaveLength(depth);
    expect(markup.match(/<div/g)?.length).toBe(markup.match(/<\/div>/g)?.length);
  });

  it('marks a step the plan does not have', () => {
    const flow: ComposedFlow = { type: 'sequence', flows: [{ type: 'atom', stepId: 7 }] };
    const markup = flowGraph(flow, [step(1)], 'p', new Links('/base')).value;
    expect(stepBoxes(markup)).toEqual([{ id: 7, state: 'unknown' }]);
  });
});

describe('the class filter', () => {
  /** A source holding `count` plans, every third with an action of class Wanted. */
  function source(count: number): ConsoleSource & { filters: PlanFilter[] } {
    const plans = Array.from({ length: count }, (_, index): ExecutionPlan => ({
      id: `plan-${index}`,
      label: 'L',
      state: 'stopped',
      result: 'success',
      progress: 1,
      rootActionId: 1,
      actions: [
        {
          id: 1,
          className: index % 3 === 0 ? 'Wanted' : 'Other',
          input: {},
          output: {},
          planStepId: 1,
        },
      ],
      steps: [],
      runFlow: { type: 'concurrence', flows: [] },
      finalizeFlow: { type: 'sequence', flows: [] },
      history: [],
    }));
    const filters: PlanFilter[] = [];
    return {
      filters,
      worldId: undefined,
      plans: async (filter) => {
        filters.push(filter);
        const offset = filter.offset ?? 0;
        return plans.slice(offset, filter.limit === undefined ? undefined : offset + filter.limit);
      },
      plan: async () => ({ kind: 'missing' }),
      stepLog: async () => [],
      subPlans: async () => [],
      chainedPlans: async () => ({ waitsFor: [], waitedForBy: [] }),
      worlds: async () => [],
    };
  }

  it('pages the matches among the newest 1000 plans, and says when the window was full', async () => {
    const store = source(1500);
    const query = parsePlanQuery(new URLSearchParams('class=Wanted&state=stopped&page=2'));
    const page = await findPlanPage(store, query);
    expect(store.filters).toEqual([{ state: ['stopped'], limit: 1000 }]);
    expect(page.plans.map((plan) => plan.id)).toEqual(
      Array.from({ length: 25 }, (_, i) => `plan-${(25 + i) * 3}`),
    );
    expect(page.hasNext).toBe(true);
    expect(page.windowFull).toBe(true);
    const small = await findPlanPage(
      source(30),
      parsePlanQuery(new URLSearchParams('class=Wanted')),
    );
    expect(small.plans).toHaveLength(10);
    expect([small.hasNext, small.windowFull]).toEqual([false, false]);
  });

  it('without a class, lets the store page (one plan more tells whether there is a next page)', async () => {
    const store = source(60);
    const page = await findPlanPage(
      store,
      parsePlanQuery(new URLSearchParams('page=3&result=success')),
    );
    expect(store.filters).toEqual([{ result: ['success'], offset: 50, limit: 26 }]);
    expect(page.plans).toHaveLength(10);
    expect(page.hasNext).toBe(false);
  });
});
