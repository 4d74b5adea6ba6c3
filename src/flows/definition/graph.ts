import type { FlowDefinition, StageDefinition } from './types.js';

/**
 * The stage graph of a valid flow definition, in a deterministic order.
 *
 * @internal
 */
export interface FlowGraph {
  /** The entry (trigger) stage: the one no stage lists in `out`. */
  readonly entry: StageDefinition;
  /** Every stage, parents before children; ties keep the order the stages are written in. */
  readonly order: readonly StageDefinition[];
  /** Stages by name. */
  readonly byName: ReadonlyMap<string, StageDefinition>;
  /** The parents of each stage (the stages listing it in `out`), in written order. */
  readonly parents: ReadonlyMap<string, readonly string[]>;
}

/**
 * Finds a cycle among the stages, following `out` edges to stages that exist.
 *
 * @returns the stage names around the cycle, the first repeated at the end (`['a', 'b', 'a']`), or
 *   `undefined` when there is none
 * @internal
 */
export function findCycle(stages: readonly StageDefinition[]): string[] | undefined {
  return findCycles(stages, 1)[0];
}

/**
 * Finds cycles among the stages, following `out` edges to stages that exist: one per edge that
 * leads back to a stage on the current path of a depth-first walk (in written order), so every
 * stage on a cycle is on at least one found. Linear in stages and edges, plus the cycles' length.
 *
 * @param limit - stop after this many
 * @returns each cycle as stage names, the first repeated at the end (`['a', 'b', 'a']`)
 * @internal
 */
export function findCycles(stages: readonly StageDefinition[], limit = Infinity): string[][] {
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  // Depth-first, with an explicit stack (a long chain of stages must not overflow the call stack):
  // `path` holds the open stages, `next` the index of the out entry each one follows next, and
  // `depth` where each open stage is on the path.
  const depth = new Map<string, number>();
  for (const stage of stages) {
    if (state.has(stage.name)) continue;
    const path = [stage.name];
    const next = [0];
    state.set(stage.name, 'open');
    depth.set(stage.name, 0);
    while (path.length > 0) {
      const top = path.length - 1;
      const name = path[top] as string;
      const out = byName.get(name)?.out ?? [];
      const index = next[top] as number;
      if (index >= out.length) {
        state.set(name, 'done');
        path.pop();
        next.pop();
        continue;
      }
      next[top] = index + 1;
      const child = out[index] as string;
      if (!byName.has(child) || state.get(child) === 'done') continue;
      if (state.get(child) === 'open') {
        cycles.push([...path.slice(depth.get(child)), child]);
        if (cycles.length >= limit) return cycles;
        continue;
      }
      state.set(child, 'open');
      depth.set(child, path.length);
      path.push(child);
      next.push(0);
    }
  }
  return cycles;
}

/**
 * The names of the stages no stage lists in `out` (a valid flow has exactly one: its entry).
 *
 * @internal
 */
export function entryStages(stages: readonly StageDefinition[]): string[] {
  const targets = new Set(stages.flatMap((stage) => stage.out));
  return stages.filter((stage) => !targets.has(stage.name)).map((stage) => stage.name);
}

/**
 * The names of the stages reachable from `from` along `out` edges (`from` included).
 *
 * @internal
 */
export function reachableFrom(stages: readonly StageDefinition[], from: string): Set<string> {
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name) || !byName.has(name)) continue;
    seen.add(name);
    for (const child of byName.get(name)?.out ?? []) stack.push(child);
  }
  return seen;
}

/**
 * The graph of a flow that passed validation (unique names, `out` naming existing stages, no
 * cycle, one entry). Deterministic: Kahn's algorithm, taking ready stages in written order.
 *
 * @internal
 */
export function flowGraph(flow: FlowDefinition): FlowGraph {
  const byName = new Map(flow.stages.map((stage) => [stage.name, stage]));
  const index = new Map(flow.stages.map((stage, i) => [stage.name, i]));
  const parents = new Map<string, string[]>(flow.stages.map((stage) => [stage.name, []]));
  // Edges still to be taken into each stage (an out entry written twice counts twice).
  const waiting = new Map<string, number>(flow.stages.map((stage) => [stage.name, 0]));
  for (const stage of flow.stages) {
    for (const child of stage.out) {
      parents.get(child)?.push(stage.name);
      waiting.set(child, (waiting.get(child) ?? 0) + 1);
    }
  }
  // Ready stages by written position: a binary min-heap, so a wide flow stays O(n log n).
  const ready = new IndexHeap();
  for (const [i, stage] of flow.stages.entries()) if (waiting.get(stage.name) === 0) ready.push(i);
  const order: StageDefinition[] = [];
  while (ready.size > 0) {
    const stage = flow.stages[ready.pop()] as StageDefinition;
    order.push(stage);
    for (const child of stage.out) {
      const left = (waiting.get(child) ?? 0) - 1;
      waiting.set(child, left);
      if (left === 0) ready.push(index.get(child) ?? 0);
    }
  }
  const entry = order[0] as StageDefinition;
  return { entry, order, byName, parents };
}

/** A binary min-heap of numbers. */
class IndexHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    let at = items.push(value) - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[at] = items[parent] as number;
      at = parent;
    }
    items[at] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    if (items.length === 0) return top;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= items.length) break;
      if (child + 1 < items.length && (items[child + 1] as number) < (items[child] as number))
        child++;
      if ((items[child] as number) >= last) break;
      items[at] = items[child] as number;
      at = child;
    }
    items[at] = last;
    return top;
  }
}
