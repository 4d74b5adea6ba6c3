import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ComposedFlow, Flow } from '../../src/plan/flow.js';
import { composed, flowStepIds, normalizeFlow } from '../../src/plan/flow.js';

const a = (stepId: number): Flow => ({ type: 'atom', stepId });
const seq = (...flows: Flow[]): ComposedFlow => ({ type: 'sequence', flows });
const con = (...flows: Flow[]): ComposedFlow => ({ type: 'concurrence', flows });

/** Depth of a flow tree, computed without recursion. */
function depth(flow: Flow): number {
  let max = 0;
  const stack: [Flow, number][] = [[flow, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, d] = item;
    max = Math.max(max, d);
    if (node.type !== 'atom') for (const child of node.flows) stack.push([child, d + 1]);
  }
  return max;
}

describe('composed', () => {
  it('builds an empty composite of the given kind', () => {
    expect(composed('sequence')).toEqual({ type: 'sequence', flows: [] });
    expect(composed('concurrence')).toEqual({ type: 'concurrence', flows: [] });
    expect(composed('sequence')).not.toBe(composed('sequence'));
  });
});

describe('normalizeFlow', () => {
  it('an empty tree becomes an empty root of the requested kind', () => {
    expect(normalizeFlow(seq(), 'concurrence')).toEqual(con());
    expect(normalizeFlow(con(), 'sequence')).toEqual(seq());
  });

  it('removes empty composites, however deeply nested', () => {
    expect(normalizeFlow(seq(con(), a(1), seq(con(seq())), a(2)), 'sequence')).toEqual(
      seq(a(1), a(2)),
    );
    expect(normalizeFlow(con(seq(con(), seq()), con()), 'concurrence')).toEqual(con());
  });

  it('unwraps a composite with a single part', () => {
    expect(normalizeFlow(seq(a(1), con(a(2)), a(3)), 'sequence')).toEqual(seq(a(1), a(2), a(3)));
    expect(normalizeFlow(con(seq(seq(con(a(5))))), 'concurrence')).toEqual(con(a(5)));
  });

  it('merges a sequence into a sequence and a concurrence into a concurrence', () => {
    expect(normalizeFlow(seq(a(1), seq(a(2), a(3)), a(4)), 'sequence')).toEqual(
      seq(a(1), a(2), a(3), a(4)),
    );
    expect(normalizeFlow(con(con(a(1), a(2)), a(3), con(a(4))), 'concurrence')).toEqual(
      con(a(1), a(2), a(3), a(4)),
    );
  });

  it('keeps different kinds nested', () => {
    expect(normalizeFlow(seq(a(1), con(a(2), a(3)), a(4)), 'sequence')).toEqual(
      seq(a(1), con(a(2), a(3)), a(4)),
    );
    expect(normalizeFlow(con(seq(a(1), a(2)), seq(a(3), a(4))), 'concurrence')).toEqual(
      con(seq(a(1), a(2)), seq(a(3), a(4))),
    );
  });

  it('merges what unwrapping brings to the same kind as its parent', () => {
    // con(seq(2, 3)) unwraps to seq(2, 3), which then merges into the outer sequence.
    expect(normalizeFlow(seq(a(1), con(seq(a(2), a(3))), a(4)), 'sequence')).toEqual(
      seq(a(1), a(2), a(3), a(4)),
    );
    // seq(con(2), con()) → 2, merged as a plain part
    expect(normalizeFlow(con(a(1), seq(con(a(2)), con())), 'concurrence')).toEqual(con(a(1), a(2)));
  });

  it('enforces the root kind', () => {
    expect(normalizeFlow(a(1), 'concurrence')).toEqual(con(a(1)));
    expect(normalizeFlow(a(1), 'sequence')).toEqual(seq(a(1)));
    expect(normalizeFlow(seq(a(1), a(2)), 'concurrence')).toEqual(con(seq(a(1), a(2))));
    expect(normalizeFlow(con(a(1), a(2)), 'sequence')).toEqual(seq(con(a(1), a(2))));
    // a single-part root of the other kind is unwrapped first
    expect(normalizeFlow(seq(a(1)), 'concurrence')).toEqual(con(a(1)));
    // the right kind is kept as it is
    expect(normalizeFlow(con(seq(a(1), a(2)), a(3)), 'concurrence')).toEqual(
      con(seq(a(1), a(2)), a(3)),
    );
  });

  it('does not modify its input', () => {
    const input = seq(a(1), con(seq(a(2), a(3))), seq(), con(a(4)));
    const before = JSON.parse(JSON.stringify(input)) as unknown;
    normalizeFlow(input, 'concurrence');
    expect(input).toEqual(before);
  });

  it('flattens a plan-builder shaped tree', () => {
    // root concurrence → slot(con) of the root action → sequence → one slot(seq) per child
    const tree = con(con(seq(seq(a(2)), seq(con(a(4), a(5))), seq(a(7)))));
    expect(normalizeFlow(tree, 'concurrence')).toEqual(con(seq(a(2), con(a(4), a(5)), a(7))));
  });

  it('handles 100 000 nested single-part sequences without overflowing the stack', () => {
    let flow: Flow = a(1);
    for (let i = 0; i < 100_000; i++) flow = seq(flow);
    expect(normalizeFlow(flow, 'concurrence')).toEqual(con(a(1)));
  });

  it('handles 100 000 nested composites of alternating kinds', () => {
    // seq(1, con(2, seq(3, con(4, …)))) — nothing merges, the result is as deep as the input
    const n = 100_000;
    let flow: Flow = a(n);
    for (let i = n - 1; i >= 1; i--) flow = (i % 2 === 1 ? seq : con)(a(i), flow);
    const result = normalizeFlow(flow, 'sequence');
    expect(result.type).toBe('sequence');
    expect(depth(result)).toBe(n);
    const ids = flowStepIds(result);
    expect(ids.length).toBe(n);
    expect(ids[0]).toBe(1);
    expect(ids[n - 1]).toBe(n);
  });

  it('merges a 2 000-level chain of sequences into one flat sequence', () => {
    // seq(1, seq(2, seq(3, …))) → seq(1, 2, 3, …)
    const n = 2_000;
    let flow: Flow = a(n);
    for (let i = n - 1; i >= 1; i--) flow = seq(a(i), flow);
    const result = normalizeFlow(flow, 'sequence');
    expect(result.flows.length).toBe(n);
    expect(result.flows.every((f) => f.type === 'atom')).toBe(true);
    expect(flowStepIds(result)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('merges a 250 000-part concurrence into its parent concurrence', () => {
    // A root action that plans 250 000 children: con(slot con(250 000 atoms)) plus a sibling.
    const n = 250_000;
    const inner: ComposedFlow = {
      type: 'concurrence',
      flows: Array.from({ length: n }, (_, i) => a(i + 1)),
    };
    const result = normalizeFlow(con(inner, a(0)), 'concurrence');
    expect(result.flows.length).toBe(n + 1);
    expect(result.flows[n]).toEqual(a(0));
  });

  it('merges a 100 000-level chain of sequences in linear memory (child process, 512 MB heap)', () => {
    // seq(1, seq(2, seq(3, …))) 100 000 deep: the natural shape of an action that plans itself and
    // then its successor inside a sequence. Run in a child process with a bounded heap, so a
    // quadratic implementation fails fast instead of taking the test worker down.
    const flowModule = fileURLToPath(new URL('../../src/plan/flow.ts', import.meta.url));
    const script = `
      const { normalizeFlow, flowStepIds } = await import(${JSON.stringify(flowModule)});
      const n = 100000;
      let flow = { type: 'atom', stepId: n };
      for (let i = n - 1; i >= 1; i--) flow = { type: 'sequence', flows: [{ type: 'atom', stepId: i }, flow] };
      const result = normalizeFlow(flow, 'sequence');
      const ids = flowStepIds(result);
      console.log(JSON.stringify({ parts: result.flows.length, first: ids[0], last: ids[ids.length - 1] }));
    `;
    const child = spawnSync(
      process.execPath,
      ['--max-old-space-size=512', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 15_000 },
    );
    const reason = child.stderr.split('\n').find((line) => /error/i.test(line)) ?? child.stderr;
    expect(child.status, `child failed (signal ${String(child.signal)}): ${reason}`).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual({ parts: 100_000, first: 1, last: 100_000 });
  });
});

describe('flowStepIds', () => {
  it('lists step ids in tree order', () => {
    expect(flowStepIds(a(9))).toEqual([9]);
    expect(flowStepIds(seq())).toEqual([]);
    expect(flowStepIds(seq(a(3), con(a(1), seq(a(7), a(2))), a(5)))).toEqual([3, 1, 7, 2, 5]);
    expect(flowStepIds(con(seq(), con(a(4)), a(6)))).toEqual([4, 6]);
  });

  it('walks a 100 000-deep tree without overflowing the stack', () => {
    let flow: Flow = a(0);
    for (let i = 1; i <= 100_000; i++) flow = seq(flow, a(i));
    const ids = flowStepIds(flow);
    expect(ids.length).toBe(100_001);
    expect(ids.slice(0, 3)).toEqual([0, 1, 2]);
    expect(ids[100_000]).toBe(100_000);
  });
});
