import type { Action } from '../../action/action.js';
import type { Planned } from '../../action/types.js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { JsonValue } from '../../plan/records.js';
import { mapSegments, REDUCE_ACTION } from '../definition/map-segments.js';
import type { MapSegment } from '../definition/map-segments.js';
import type { StageDefinition } from '../definition/types.js';
import type { FlowsHost } from '../runtime/binding.js';
import type { StageOutput, StageSource } from '../runtime/stage-io.js';

/**
 * What a flow run plans: the whole flow, or one item of a `Map` (the stages between it and its
 * `Reduce`, fed the item).
 */
export interface StagesSpec {
  readonly flow: string;
  readonly version: number;
  /** The stages to plan (a Map's segment: only its stages, `out` limited to them). */
  readonly stages: readonly StageDefinition[];
  /** The run's input, or the item. */
  readonly input: JsonValue;
  /** For an item of a `Map`: the Map's name and the stages it feeds (`out`). */
  readonly item?: {
    readonly map: string;
    readonly children: readonly string[];
    readonly index: number;
  };
}

/** What the `Map` stage is given besides its stage input: the segment it runs per item. */
export interface MapSpec {
  readonly stages: readonly StageDefinition[];
  readonly children: readonly string[];
  readonly reduce: string;
}

/** What the `Reduce` stage is given: where an item's result is. */
export interface ReduceSpec {
  readonly map: string;
  readonly terminals: readonly string[];
  readonly direct: boolean;
}

/**
 * Stages in an order where parents come before children; ties keep the written order (Kahn's
 * algorithm), so the same stages always give the same plan.
 */
function topoOrder(
  stages: readonly StageDefinition[],
  parents: Map<string, string[]>,
): StageDefinition[] {
  const waiting = new Map(
    stages.map((stage) => [stage.name, parents.get(stage.name)?.length ?? 0]),
  );
  const byName = new Map(stages.map((stage) => [stage.name, stage]));
  const position = new Map(stages.map((stage, i) => [stage.name, i]));
  const order: StageDefinition[] = [];
  let ready = stages.filter((stage) => waiting.get(stage.name) === 0);
  while (ready.length > 0) {
    const next: StageDefinition[] = [];
    for (const stage of ready) {
      order.push(stage);
      for (const child of stage.out) {
        const left = (waiting.get(child) ?? 0) - 1;
        waiting.set(child, left);
        const target = byName.get(child);
        if (left === 0 && target !== undefined) next.push(target);
      }
    }
    ready = next.sort((a, b) => (position.get(a.name) ?? 0) - (position.get(b.name) ?? 0));
  }
  return order;
}

/**
 * Plans one step per stage in `scope`'s plan (call it inside a concurrence). Each stage's input
 * holds output references to its parents' outputs, which order it after them: joins wait for every
 * parent and stages with no path between them run concurrently, for any DAG. The stages of a
 * `Map`'s segment are left to the Map, which runs them per item as sub-plans.
 *
 * @internal
 */
export function planStages(scope: Action<StagesSpec>, spec: StagesSpec, host: FlowsHost): void {
  const names = new Set(spec.stages.map((stage) => stage.name));
  const parents = new Map<string, string[]>(spec.stages.map((stage) => [stage.name, []]));
  for (const stage of spec.stages) {
    for (const child of stage.out) if (names.has(child)) parents.get(child)?.push(stage.name);
  }
  const { segments } = mapSegments(spec.stages);
  const inner = new Set<string>();
  const reduceOf = new Map<string, MapSegment>();
  for (const segment of segments.values()) for (const name of segment.stages) inner.add(name);
  for (const segment of segments.values()) {
    if (!inner.has(segment.map)) reduceOf.set(segment.reduce, segment);
  }
  const planned = new Map<string, Planned>();
  const outputOf = (parent: string): StageOutput =>
    parent === spec.item?.map
      ? { value: spec.input }
      : ((planned.get(parent) as Planned).output as unknown as StageOutput);
  for (const stage of topoOrder(spec.stages, parents)) {
    if (inner.has(stage.name)) continue;
    const reduce = reduceOf.get(stage.name);
    const own = [...(parents.get(stage.name) ?? [])];
    if (spec.item?.children.includes(stage.name) === true) own.unshift(spec.item.map);
    let source: StageSource;
    if (reduce !== undefined) {
      source = { kind: 'parent', parent: reduce.map, output: outputOf(reduce.map) };
    } else if (own.length === 0) {
      source = { kind: 'value', value: spec.input };
    } else if (own.length === 1) {
      source = { kind: 'parent', parent: own[0] as string, output: outputOf(own[0] as string) };
    } else {
      source = { kind: 'join', outputs: Object.fromEntries(own.map((p) => [p, outputOf(p)])) };
    }
    const input: Record<string, unknown> = {
      flow: spec.flow,
      stage: stage.name,
      props: stage.props,
      source,
    };
    const segment = segments.get(stage.name);
    if (segment !== undefined) {
      const members = new Set(segment.stages);
      const map: MapSpec = {
        stages: spec.stages
          .filter((s) => members.has(s.name))
          .map((s) => ({ ...s, out: s.out.filter((child) => members.has(child)) })),
        children: stage.out.filter((child) => members.has(child)),
        reduce: segment.reduce,
      };
      input.map = map;
      input.version = spec.version;
    }
    if (reduce !== undefined && stage.action === REDUCE_ACTION) {
      const spec2: ReduceSpec = {
        map: reduce.map,
        terminals: reduce.terminals,
        direct: reduce.direct,
      };
      input.reduce = spec2;
    }
    const cls = host.stageClass(stage.action);
    if (cls === undefined) {
      throw new FlowlineError(
        ErrorCode.ACTION_NOT_REGISTERED,
        `stage "${stage.name}" of flow "${spec.flow}" uses action "${stage.action}", which this ` +
          'Flows does not know: pass its class in the Flows `actions` option',
        { details: { flow: spec.flow, stage: stage.name } },
      );
    }
    planned.set(stage.name, scope.planAction(cls, input));
  }
}
