import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  entryStages,
  findCycle,
  findCycles,
  flowGraph,
  reachableFrom,
} from '../../../src/flows/definition/graph.js';
import type { StageDefinition } from '../../../src/flows/index.js';

function stages(edges: Record<string, string[]>): StageDefinition[] {
  return Object.entries(edges).map(([name, out]) => ({ name, action: 'Log', props: {}, out }));
}

/** Kahn's algorithm the slow, obvious way: the first ready stage in written order each time. */
function referenceOrder(list: readonly StageDefinition[]): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < list.length) {
    const next = list.find(
      (stage) =>
        !done.has(stage.name) &&
        list.every((parent) => done.has(parent.name) || !parent.out.includes(stage.name)),
    );
    if (next === undefined) break;
    done.add(next.name);
    order.push(next.name);
  }
  return order;
}

describe('the stage graph', () => {
  test('findCycles names each cycle stage by stage; findCycle the first', () => {
    const list = stages({ a: ['b'], b: ['c'], c: ['a'], d: ['d'], e: [] });
    expect(findCycles(list)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
    ]);
    expect(findCycle(list)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycles(list, 1)).toHaveLength(1);
    expect(findCycle(stages({ a: ['b', 'missing'], b: [] }))).toBeUndefined();
  });

  test('entryStages and reachableFrom', () => {
    const list = stages({ a: ['b'], b: [], c: ['b'] });
    expect(entryStages(list)).toEqual(['a', 'c']);
    expect([...reachableFrom(list, 'a')].sort()).toEqual(['a', 'b']);
  });

  test('flowGraph: parents before children, ties in written order, parents listed', () => {
    const graph = flowGraph({
      name: 'f',
      stages: stages({ d: [], a: ['c', 'b'], c: ['d'], b: ['d'] }),
    });
    expect(graph.entry.name).toBe('a');
    expect(graph.order.map((stage) => stage.name)).toEqual(['a', 'c', 'b', 'd']);
    expect(graph.parents.get('d')).toEqual(['c', 'b']);
    expect(graph.byName.get('b')?.out).toEqual(['d']);
  });

  test('flowGraph orders every random DAG as the obvious algorithm does', () => {
    const dag = fc
      .array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: 1, maxLength: 30 })
      .chain((outs) =>
        fc.tuple(
          fc.constant(outs),
          fc.shuffledSubarray([...outs.keys()], { minLength: outs.length, maxLength: outs.length }),
        ),
      )
      .map(([outs, order]) => {
        const size = outs.length;
        // Edges only from i to a larger j: acyclic.
        const out = outs.map((targets, i) => [
          ...new Set(
            targets.filter(() => i < size - 1).map((t) => `s${i + 1 + (t % (size - 1 - i))}`),
          ),
        ]);
        return order.map((i): StageDefinition => ({
          name: `s${i}`,
          action: 'Log',
          props: {},
          out: out[i] ?? [],
        }));
      });
    fc.assert(
      fc.property(dag, (list) => {
        const graph = flowGraph({ name: 'f', stages: list });
        expect(graph.order.map((stage) => stage.name)).toEqual(referenceOrder(list));
      }),
      { numRuns: 200 },
    );
  });

  test('flowGraph on a 5000-stage fan-out and chain', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `s${i}`);
    const fan = [
      { name: 'entry', action: 'Log', props: {}, out: names },
      ...stages(Object.fromEntries(names.map((n) => [n, []]))),
    ];
    expect(flowGraph({ name: 'f', stages: fan }).order.map((s) => s.name)).toEqual([
      'entry',
      ...names,
    ]);
    const chain = stages(
      Object.fromEntries(names.map((n, i) => [n, i < 4999 ? [`s${i + 1}`] : []])),
    );
    expect(flowGraph({ name: 'f', stages: chain.reverse() }).order.map((s) => s.name)).toEqual(
      names,
    );
  });
});
