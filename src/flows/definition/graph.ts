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
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const seen = state.get(name);
    if (seen === 'done') return undefined;
    if (seen === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const next of byName.get(name)?.out ?? []) {
      if (!byName.has(next)) continue;
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const stage of stages) {
    const cycle = visit(stage.name);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
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
    stack.push(...(byName.get(name)?.out ?? []));
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
