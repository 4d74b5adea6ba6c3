import { SubPlansAction } from '../../action/sub-plans-action.js';
import type { SubPlansOutput } from '../../action/sub-plans-action.js';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { JsonValue } from '../../plan/records.js';
import type { MapSpec } from '../compile/plan-stages.js';
import { hostOf } from '../runtime/binding.js';
import { stageData } from '../runtime/run-stage.js';
import type { StageInput, StageOutput } from '../runtime/stage-io.js';

/** The props of a `Map` stage. */
export interface MapProps {
  /** Where the list is in the stage's data: a dotted path (`order.lines`); default the data. */
  readonly items?: string;
  /** At most this many items run at once. @default 10 */
  readonly concurrency?: number;
  /** More items than this fail the stage with `MAP_INPUT_INVALID`. @default 10000 */
  readonly maxItems?: number;
}

/** What a `Map` stage outputs once every item ran: where its item runs are. */
export interface MapValue {
  readonly items: number;
  readonly planId: string;
  readonly stepId: number;
}

type MapInput = StageInput & { readonly map: MapSpec; readonly version: number };

/** Follows a dotted path into a value. */
function at(data: JsonValue | undefined, path: string | undefined): JsonValue | undefined {
  if (path === undefined || path === '') return data;
  let value: JsonValue | undefined = data;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = Array.isArray(value) ? value[Number(key)] : value[key];
  }
  return value;
}

/**
 * `Map`: runs the stages between it and the next `Reduce` once per item of a list, each item as a
 * sub-plan (a flow run of its own, visible in the console), at most `concurrency` at a time. The
 * `Reduce` then gets the items' results as a list, in item order. A failed item fails the Map
 * step (`SUB_PLANS_FAILED`), which pauses the run: resume the failed item runs, then the run.
 *
 * ```yaml
 * - name: Each order
 *   action: Map
 *   props: { items: orders, concurrency: 50 }
 *   out: [Enrich]
 * ```
 */
export class MapStage extends SubPlansAction<MapInput, StageOutput & SubPlansOutput> {
  static override actionName = 'Map';

  /** JSON schema of the props. */
  static propsSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      items: {
        type: 'string',
        description: 'Dotted path of the list in the data; default the data itself.',
      },
      concurrency: {
        type: 'integer',
        minimum: 1,
        description: 'At most this many items at once (default 10).',
      },
      maxItems: {
        type: 'integer',
        minimum: 0,
        description: 'Refuse more items than this (default 10000).',
      },
    },
  };

  override batchSize = 100;

  override async run(event?: JsonValue): Promise<void> {
    const props = this.input.props as MapProps;
    this.concurrencyLimit = props.concurrency ?? 10;
    await super.run(event);
  }

  override totalCount(): number {
    return this.#items()?.length ?? 0;
  }

  override createSubPlans({ from, size }: { from: number; size: number }): void {
    const items = this.#items() ?? [];
    const host = hostOf(this);
    if (host === undefined) throw this.#error('a Map stage runs only in a Flows', true);
    const { map, flow, stage, version } = this.input;
    for (let index = from; index < Math.min(items.length, from + size); index++) {
      this.triggerChild(host.runClass, {
        flow,
        version,
        stages: map.stages,
        input: items[index] as JsonValue,
        item: { map: stage, children: map.children, index },
      });
    }
  }

  override onFinish(): void {
    if (this.output.skipped !== undefined) return;
    const value: MapValue = {
      items: this.output.total,
      planId: this.executionPlanId,
      stepId: this.stepId,
    };
    this.output.value = value as unknown as JsonValue;
  }

  #items(): JsonValue[] | undefined {
    const data = stageData(this.input.source);
    if (data.skipped) {
      this.output.skipped = data.reason;
      return undefined;
    }
    const props = this.input.props as MapProps;
    const list = at(data.data, props.items);
    if (!Array.isArray(list)) {
      throw this.#error(
        `its items (${props.items === undefined ? 'the data itself' : `"${props.items}"`}) are not a list, got ${list === null ? 'null' : typeof list}`,
      );
    }
    const max = props.maxItems ?? 10_000;
    if (list.length > max) {
      throw this.#error(`it got ${list.length} items, more than its maxItems of ${max}`);
    }
    return list;
  }

  #error(problem: string, internal = false): FlowlineError {
    const { flow, stage } = this.input;
    return new FlowlineError(
      internal ? ErrorCode.PHASE_MISUSE : ErrorCode.MAP_INPUT_INVALID,
      `Map stage "${stage}" of flow "${flow}": ${problem}`,
      { planId: this.executionPlanId, details: { flow, stage, retryable: false } },
    );
  }
}
