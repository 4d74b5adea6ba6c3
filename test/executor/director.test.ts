import { describe, expect, it } from 'vitest';
import { Director } from '../../src/plan/director.js';
import type { ComposedFlow, Flow } from '../../src/plan/flow.js';

const a = (stepId: number): Flow => ({ type: 'atom', stepId });
const seq = (...flows: Flow[]): ComposedFlow => ({ type: 'sequence', flows });
const con = (...flows: Flow[]): ComposedFlow => ({ type: 'concurrence', flows });

interface Options {
  done?: readonly number[];
  requires?: Record<number, number[]>;
}

function director(flow: ComposedFlow, options: Options = {}): Director {
  const done = new Set(options.done ?? []);
  return new Director(
    flow,
    (id) => done.has(id),
    (id) => options.requires?.[id],
  );
}

const sorted = (ids: number[]): number[] => [...ids].sort((x, y) => x - y);

/**
 * Runs a director to the end, completing ready steps first-in first-out. Returns the completion
 * order and the largest number of steps that were ready at once.
 */
function drive(d: Director): { order: number[]; maxReady: number } {
  const queue = d.start();
  const order: number[] = [];
  let maxReady = queue.length;
  for (let head = 0; head < queue.length; head++) {
    const stepId = queue[head] as number;
    order.push(stepId);
    for (const next of d.markDone(stepId)) queue.push(next);
    maxReady = Math.max(maxReady, queue.length - head - 1);
  }
  return { order, maxReady };
}

describe('Director: sequences and concurrences', () => {
  it('runs a sequence one step at a time, in order', () => {
    const d = director(seq(a(1), a(2), a(3)));
    expect(d.finished).toBe(false);
    expect(d.start()).toEqual([1]);
    expect(d.markDone(1)).toEqual([2]);
    expect(d.finished).toBe(false);
    expect(d.markDone(2)).toEqual([3]);
    expect(d.finished).toBe(false);
    expect(d.markDone(3)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('starts a concurrence all at once and finishes when the last part is done', () => {
    const d = director(con(a(1), a(2), a(3)));
    expect(sorted(d.start())).toEqual([1, 2, 3]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(3)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(1)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('walks nested trees', () => {
    // con( seq(1, con(2, 3), 4), seq(5, 6) )
    const d = director(con(seq(a(1), con(a(2), a(3)), a(4)), seq(a(5), a(6))));
    expect(sorted(d.start())).toEqual([1, 5]);
    expect(sorted(d.markDone(1))).toEqual([2, 3]);
    expect(d.markDone(5)).toEqual([6]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.markDone(6)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(3)).toEqual([4]);
    expect(d.finished).toBe(false);
    expect(d.markDone(4)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a sequence of concurrences waits for a whole concurrence before the next', () => {
    const d = director(seq(con(a(1), a(2)), con(a(3), a(4)), a(5)));
    expect(sorted(d.start())).toEqual([1, 2]);
    expect(d.markDone(1)).toEqual([]);
    expect(sorted(d.markDone(2))).toEqual([3, 4]);
    expect(d.markDone(4)).toEqual([]);
    expect(d.markDone(3)).toEqual([5]);
    expect(d.markDone(5)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('passes over empty composites', () => {
    const d = director(seq(con(), a(1), seq(), con(seq(), a(2))));
    expect(d.start()).toEqual([1]);
    expect(d.markDone(1)).toEqual([2]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('an empty flow is finished as soon as it starts', () => {
    const d = director(con());
    expect(d.finished).toBe(false);
    expect(d.start()).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('ignores unknown steps and repeated markDone calls', () => {
    const d = director(con(a(1), a(2)));
    d.start();
    expect(d.markDone(99)).toEqual([]);
    expect(d.markDone(1)).toEqual([]);
    expect(d.markDone(1)).toEqual([]);
    // a repeated markDone must not count as the concurrence's other part
    expect(d.finished).toBe(false);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(true);
  });
});

describe('Director: output references (requires)', () => {
  it('delays a step in a concurrence until the referenced step is done', () => {
    const d = director(con(a(1), a(2), a(3)), { requires: { 3: [1] } });
    expect(sorted(d.start())).toEqual([1, 2]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.markDone(1)).toEqual([3]);
    expect(d.finished).toBe(false);
    expect(d.markDone(3)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('waits for every referenced step', () => {
    const d = director(con(a(1), a(2), a(3)), { requires: { 3: [1, 2] } });
    expect(sorted(d.start())).toEqual([1, 2]);
    expect(d.markDone(1)).toEqual([]);
    expect(d.markDone(2)).toEqual([3]);
  });

  it('a reference across branches orders steps of different sequences', () => {
    // con( seq(1, 3), seq(2, 4) ) where 3 references 4
    const d = director(con(seq(a(1), a(3)), seq(a(2), a(4))), { requires: { 3: [4] } });
    expect(sorted(d.start())).toEqual([1, 2]);
    expect(d.markDone(1)).toEqual([]); // 3 is reached but waits for 4
    expect(d.markDone(2)).toEqual([4]);
    expect(d.markDone(4)).toEqual([3]);
    expect(d.markDone(3)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a step whose reference finished before it was reached runs when reached', () => {
    // con( seq(1, 3), 2 ) where 3 references 2
    const d = director(con(seq(a(1), a(3)), a(2)), { requires: { 3: [2] } });
    expect(sorted(d.start())).toEqual([1, 2]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.markDone(1)).toEqual([3]);
  });

  it('ignores references to steps outside the flow', () => {
    const d = director(con(a(1), a(2)), { requires: { 2: [42] } });
    expect(sorted(d.start())).toEqual([1, 2]);
  });

  it('a reference that contradicts the sequence never finishes', () => {
    // seq(1, 2) where 1 references 2: nothing can start
    const d = director(seq(a(1), a(2)), { requires: { 1: [2] } });
    expect(d.start()).toEqual([]);
    expect(d.finished).toBe(false);
  });
});

describe('Director: resuming', () => {
  it('skips over steps already done at construction', () => {
    const d = director(seq(a(1), a(2), a(3)), { done: [1, 2] });
    expect(d.start()).toEqual([3]);
    expect(d.markDone(3)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('starts only the undone parts of a concurrence', () => {
    const d = director(con(a(1), seq(a(2), a(3)), a(4)), { done: [2, 4] });
    expect(sorted(d.start())).toEqual([1, 3]);
    expect(d.markDone(3)).toEqual([]);
    expect(d.markDone(1)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a fully done plan is finished at start without readying anything', () => {
    const d = director(con(seq(a(1), a(2)), a(3)), { done: [1, 2, 3] });
    expect(d.start()).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a reference to a step done at construction does not hold its dependent', () => {
    const d = director(con(a(1), a(2)), { done: [1], requires: { 2: [1] } });
    expect(d.start()).toEqual([2]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a done step with an unfinished reference is still passed over', () => {
    // 2 was skipped although 1 (which it references) failed and is to run again
    const d = director(seq(a(1), a(2), a(3)), { done: [2], requires: { 2: [1] } });
    expect(d.start()).toEqual([1]);
    expect(d.markDone(1)).toEqual([3]);
  });
});

describe('Director: steps marked done before they are reached (skipped)', () => {
  it('a skipped step later in a sequence completes when the sequence reaches it', () => {
    const d = director(seq(a(1), a(2), a(3)));
    expect(d.start()).toEqual([1]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(1)).toEqual([3]);
    expect(d.markDone(3)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a skipped dependent is never readied by its reference', () => {
    // con( seq(1, 3), 2 ) where 3 references 2; 3 is skipped before anything ends
    const d = director(con(seq(a(1), a(3)), a(2)), { requires: { 3: [2] } });
    expect(sorted(d.start())).toEqual([1, 2]);
    expect(d.markDone(3)).toEqual([]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(1)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('a waiting dependent that is skipped is not readied when its reference completes', () => {
    const d = director(con(a(1), a(2)), { requires: { 2: [1] } });
    expect(d.start()).toEqual([1]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(1)).toEqual([]);
    expect(d.finished).toBe(true);
  });

  it('the last steps of a sequence all skipped: finished when the step before them is done', () => {
    const d = director(con(seq(a(1), a(2), seq(a(3), a(4))), a(5)));
    expect(sorted(d.start())).toEqual([1, 5]);
    expect(d.markDone(5)).toEqual([]);
    expect(d.markDone(4)).toEqual([]);
    expect(d.markDone(3)).toEqual([]);
    expect(d.markDone(2)).toEqual([]);
    expect(d.finished).toBe(false);
    expect(d.markDone(1)).toEqual([]);
    expect(d.finished).toBe(true);
  });
});

describe('Director: large plans', () => {
  const n = 100_000;
  const atoms = (): Flow[] => Array.from({ length: n }, (_, i) => a(i + 1));

  it('processes a 100 000-step sequence, one step at a time', () => {
    const d = director({ type: 'sequence', flows: atoms() });
    const { order, maxReady } = drive(d);
    expect(order.length).toBe(n);
    expect(order[0]).toBe(1);
    expect(order[n - 1]).toBe(n);
    expect(order.every((id, i) => id === i + 1)).toBe(true);
    expect(maxReady).toBe(1);
    expect(d.finished).toBe(true);
  });

  it('processes a 100 000-step concurrence, all ready at once', () => {
    const d = director({ type: 'concurrence', flows: atoms() });
    const ready = d.start();
    expect(ready.length).toBe(n);
    for (let i = 0; i < n - 1; i++) d.markDone(ready[i] as number);
    expect(d.finished).toBe(false);
    d.markDone(ready[n - 1] as number);
    expect(d.finished).toBe(true);
  });

  it('processes a 100 000-deep tree of alternating kinds', () => {
    let flow: Flow = a(n);
    for (let i = n - 1; i >= 1; i--) flow = (i % 2 === 1 ? seq : con)(a(i), flow);
    const d = director(flow as ComposedFlow);
    const { order } = drive(d);
    expect(order.length).toBe(n);
    expect(new Set(order).size).toBe(n);
    expect(d.finished).toBe(true);
  });

  it('processes a 100 000-step concurrence chained by references', () => {
    const requires: Record<number, number[]> = {};
    for (let i = 2; i <= n; i++) requires[i] = [i - 1];
    const d = director({ type: 'concurrence', flows: atoms() }, { requires });
    const { order, maxReady } = drive(d);
    expect(maxReady).toBe(1);
    expect(order.every((id, i) => id === i + 1)).toBe(true);
    expect(d.finished).toBe(true);
  });

  it('resumes a 100 000-step sequence whose first 99 999 steps are done', () => {
    const done = Array.from({ length: n - 1 }, (_, i) => i + 1);
    const d = director({ type: 'sequence', flows: atoms() }, { done });
    expect(d.start()).toEqual([n]);
    d.markDone(n);
    expect(d.finished).toBe(true);
  });
});
