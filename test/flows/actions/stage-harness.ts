/**
 * Runs one packaged stage action through the engine's single-action harness, as the stage `S` of
 * flow `f` with the given props and data.
 */
import type { ActionClass } from '../../../src/action/types.js';
import type { JsonObject, JsonValue } from '../../../src/index.js';
import type { StageOutput } from '../../../src/flows/index.js';
import type { CallResult, ManagedClock } from '../../../src/testing/index.js';
import { testAction } from '../../../src/testing/index.js';
import { FlowlineError } from '../../../src/index.js';
import fc from 'fast-check';

/** How the stage ended: its output, or its error (always a `FlowlineError` for these actions). */
export interface StageRun {
  readonly kind: CallResult['kind'];
  readonly output: StageOutput;
  readonly error: FlowlineError | undefined;
  readonly log: CallResult['log'];
}

/**
 * Runs the stage once.
 *
 * @param cls - the stage action class
 * @param props - its props
 * @param data - its data (the run's input, as for an entry stage)
 */
export async function runStageAction(
  cls: ActionClass,
  props: JsonObject,
  data: JsonValue,
  options: { clock?: ManagedClock; onStarted?: (tick: () => Promise<void>) => void } = {},
): Promise<StageRun> {
  const test = testAction(cls, {
    input: { flow: 'f', stage: 'S', props, source: { kind: 'value', value: data } },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const result = await test.run();
  const error = result.error;
  if (error !== undefined && !(error instanceof FlowlineError)) {
    throw new Error(`stage threw a non-FlowlineError: ${String(error)}`, { cause: error });
  }
  return { kind: result.kind, output: result.output, error, log: result.log };
}

/** The `details` of a stage error as plain facts. */
export function factsOf(error: FlowlineError | undefined): Record<string, unknown> {
  return (error?.details ?? {}) as Record<string, unknown>;
}

/**
 * Random JSON data a stage can receive: the engine refuses an own `__proto__` key in stored data
 * before any stage runs, so such values are left out.
 */
export function stageData(): fc.Arbitrary<JsonValue> {
  return fc
    .jsonValue({ maxDepth: 3 })
    .filter((value) => !JSON.stringify(value).includes('"__proto__"')) as fc.Arbitrary<JsonValue>;
}
