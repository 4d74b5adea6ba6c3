/**
 * Workloads of the flows section: trivial stage actions, flow definitions of a given shape and
 * size, plain-action equivalents, and a store that keeps flows.
 */
import { stringify } from 'yaml';
import type { JsonObject, JsonValue, PersistenceAdapter } from '../src/index.js';
import { Action, MemoryAdapter, World } from '../src/index.js';
import type { FlowDefinition } from '../src/flows/index.js';
import { Flows, StageAction } from '../src/flows/index.js';
import { benchLogger } from './logger.js';

/** Adds one to a number (0 for anything else): the trivial work of every stage. */
export class Inc extends StageAction<JsonObject, JsonValue, number> {
  static override actionName = 'Inc';
  process(data: JsonValue): number {
    return (typeof data === 'number' ? data : 0) + 1;
  }
}

/** Sums the outputs it joins. */
export class Sum extends StageAction<JsonObject, JsonObject, number> {
  static override actionName = 'Sum';
  process(data: JsonObject): number {
    return Object.values(data).reduce<number>((total, value) => total + Number(value), 0);
  }
}

/** Passes its data on (an entry stage). */
export class Pass extends StageAction {
  static override actionName = 'Pass';
  process(data: JsonValue): JsonValue {
    return data;
  }
}

/** The stage actions of the bench. */
export const STAGE_ACTIONS = [Inc, Sum, Pass];

/** The same trivial work as {@link Inc}, as a plain action. */
export class PlainInc extends Action<{ value: number }, { value: number }> {
  run(): void {
    this.output.value = this.input.value + 1;
  }
}

/** `size` PlainInc actions in a sequence, each fed the previous one's output (a reference). */
export class PlainChain extends Action {
  override plan(size: number): void {
    this.sequence(() => {
      let previous = this.planAction(PlainInc, { value: 0 });
      for (let i = 1; i < size; i++) {
        previous = this.planAction(PlainInc, { value: previous.output.value });
      }
    });
  }
}

/** A flow's shape: a chain of stages, or an entry fanning out to stages that a join fans in. */
export type FlowShape = 'chain' | 'fan-out/fan-in';

/** A flow of `size` stages of the given shape (named after both). */
export function flowOf(shape: FlowShape, size: number): FlowDefinition {
  const name = `${shape} ${size}`;
  if (shape === 'chain') {
    return {
      name,
      stages: Array.from({ length: size }, (_, i) => ({
        name: `s${i}`,
        action: i === 0 ? 'Pass' : 'Inc',
        props: {},
        out: i === size - 1 ? [] : [`s${i + 1}`],
      })),
    };
  }
  const middle = Array.from({ length: size - 2 }, (_, i) => `m${i}`);
  return {
    name,
    stages: [
      { name: 'entry', action: 'Pass', props: {}, out: middle },
      ...middle.map((stage) => ({ name: stage, action: 'Inc', props: {}, out: ['join'] })),
      { name: 'join', action: 'Sum', props: {}, out: [] },
    ],
  };
}

/** The flow as the YAML text a user would save. */
export function yamlOf(flow: FlowDefinition): string {
  return stringify(flow);
}

/** A memory store (it keeps flow versions). */
export function flowMemoryAdapter(): PersistenceAdapter {
  return new MemoryAdapter();
}

/** A started world with the bench's plain and stage actions, and its `Flows`. */
export async function flowsWorld(
  adapter: PersistenceAdapter = flowMemoryAdapter(),
  concurrency = 10,
): Promise<{ world: World; flows: Flows }> {
  const world = new World({
    adapter,
    actions: [PlainInc, PlainChain],
    concurrency,
    logger: benchLogger,
  });
  const flows = new Flows({ world, actions: STAGE_ACTIONS });
  await world.start();
  return { world, flows };
}
