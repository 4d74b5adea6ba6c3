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
  const parents = new Map<string, string[]>(flow.stages.map((stage) => [stage.name, []]));
  for (const stage of flow.stages) {
    for (const child of stage.out) parents.get(child)?.push(stage.name);
  }
  const waiting = new Map(
    flow.stages.map((stage) => [stage.name, parents.get(stage.name)?.length ?? 0]),
  );
  const index = new Map(flow.stages.map((stage, i) => [stage.name, i]));
  const ready = flow.stages.filter((stage) => waiting.get(stage.name) === 0);
  const order: StageDefinition[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (index.get(a.name) ?? 0) - (index.get(b.name) ?? 0));
    const stage = ready.shift() as StageDefinition;
    order.push(stage);
    for (const child of new Set(stage.out)) {
      const left = (waiting.get(child) ?? 0) - stage.out.filter((name) => name === child).length;
      waiting.set(child, left);
      if (left === 0) ready.push(byName.get(child) as StageDefinition);
    }
  }
  const entry = order[0] as StageDefinition;
  return { entry, order, byName, parents };
}
