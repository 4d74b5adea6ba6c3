import type { FlowViolation, StageDefinition } from './types.js';

/** The stages a `Map` runs once per item: those between it and its `Reduce`. @internal */
export interface MapSegment {
  /** The `Map` stage. */
  readonly map: string;
  /** Its `Reduce` stage. */
  readonly reduce: string;
  /** The stages run per item (nested maps and their reduces included), in written order. */
  readonly stages: readonly string[];
  /** The stages whose output is an item's result: the `Reduce`'s parents within the segment. */
  readonly terminals: readonly string[];
  /** Whether the `Map` lists the `Reduce` in its own `out` (an item's result is then the item). */
  readonly direct: boolean;
}

/** The action names with a meaning for the compiler. */
export const MAP_ACTION = 'Map';
export const REDUCE_ACTION = 'Reduce';

/**
 * Finds each `Map`'s segment: every branch leaving a `Map` must reach one and the same `Reduce`
 * (nested `Map`/`Reduce` pairs inside it are fine), and nothing outside the segment may lead into
 * it. Expects a graph without cycles whose `out` names existing stages.
 *
 * @returns the segments by `Map` name, and a violation for each problem found
 * @internal
 */
export function mapSegments(stages: readonly StageDefinition[]): {
  segments: Map<string, MapSegment>;
  violations: FlowViolation[];
} {
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const index = new Map(stages.map((stage, i) => [stage.name, i]));
  const parents = new Map<string, string[]>(stages.map((stage) => [stage.name, []]));
  for (const stage of stages) for (const child of stage.out) parents.get(child)?.push(stage.name);
  const segments = new Map<string, MapSegment>();
  const violations: FlowViolation[] = [];
  const failed = new Set<string>();
  const at = (name: string, field = 'action'): string =>
    `/stages/${String(index.get(name))}/${field}`;

  const segmentOf = (map: string): MapSegment | undefined => {
    const known = segments.get(map);
    if (known !== undefined || failed.has(map)) return known;
    const members = new Set<string>();
    const reduces = new Set<string>();
    const sinks: string[] = [];
    const stack = [...(byName.get(map)?.out ?? [])];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      const stage = byName.get(name);
      if (stage === undefined || members.has(name) || reduces.has(name)) continue;
      if (stage.action === REDUCE_ACTION) {
        reduces.add(name);
        continue;
      }
      members.add(name);
      if (stage.action === MAP_ACTION) {
        const inner = segmentOf(name);
        if (inner === undefined) {
          failed.add(map);
          return undefined;
        }
        for (const member of inner.stages) members.add(member);
        members.add(inner.reduce);
        const after = byName.get(inner.reduce)?.out ?? [];
        if (after.length === 0) sinks.push(inner.reduce);
        stack.push(...after);
        continue;
      }
      if (stage.out.length === 0) sinks.push(name);
      stack.push(...stage.out);
    }
    const problem = (message: string): undefined => {
      violations.push({ path: at(map), message });
      failed.add(map);
      return undefined;
    };
    if (reduces.size === 0) {
      problem(
        `Map stage "${map}" has no Reduce stage after it: every branch from a Map must reach one Reduce`,
      );
      return;
    }
    if (reduces.size > 1) {
      problem(
        `Map stage "${map}" reaches several Reduce stages (${[...reduces].join(', ')}): its branches must meet in one`,
      );
      return;
    }
    if (sinks.length > 0) {
      problem(
        `stage "${sinks[0] as string}" after Map stage "${map}" ends before its Reduce: every branch from a Map must reach the Reduce`,
      );
      return;
    }
    const reduce = [...reduces][0] as string;
    for (const member of [...members, reduce]) {
      for (const parent of parents.get(member) ?? []) {
        if (parent !== map && !members.has(parent)) {
          problem(
            `stage "${parent}" leads into "${member}", which runs per item of Map stage "${map}": only stages after the Map may`,
          );
          return;
        }
      }
    }
    const segment: MapSegment = {
      map,
      reduce,
      stages: stages.filter((stage) => members.has(stage.name)).map((stage) => stage.name),
      terminals: (parents.get(reduce) ?? []).filter((parent) => members.has(parent)),
      direct: (parents.get(reduce) ?? []).includes(map),
    };
    segments.set(map, segment);
    return segment;
  };

  for (const stage of stages) if (stage.action === MAP_ACTION) segmentOf(stage.name);
  const claimed = new Set([...segments.values()].map((segment) => segment.reduce));
  for (const stage of stages) {
    if (stage.action === REDUCE_ACTION && !claimed.has(stage.name) && violations.length === 0) {
      violations.push({
        path: at(stage.name),
        message: `Reduce stage "${stage.name}" has no Map stage before it`,
      });
    }
  }
  return { segments, violations };
}
