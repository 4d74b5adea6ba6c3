import type { JsonObject, JsonValue } from '../../plan/records.js';
import type { StageAction } from '../stage-action.js';
import type { StageInput, StageOutput, StageSource } from './stage-io.js';

/** Thrown by `StageAction.endBranch`: the stage's branch ends here. @internal */
export class EndBranch extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'EndBranch';
  }
}

/** The data a stage receives, or why it is skipped. @internal */
export type StageData =
  | { readonly skipped: false; readonly data: JsonValue | undefined }
  | { readonly skipped: true; readonly reason: string };

/**
 * The data of a stage from its source: a join gets `{ [parent]: value }`; a stage with a parent
 * that was skipped (a `Filter` ended its branch) is skipped too.
 *
 * @internal
 */
export function stageData(source: StageSource): StageData {
  switch (source.kind) {
    case 'value':
      return { skipped: false, data: source.value };
    case 'parent':
      if (source.output.skipped !== undefined)
        return { skipped: true, reason: source.output.skipped };
      return { skipped: false, data: source.output.value };
    case 'join': {
      const data: JsonObject = {};
      for (const [parent, output] of Object.entries(source.outputs)) {
        if (output.skipped !== undefined) return { skipped: true, reason: output.skipped };
        if (output.value !== undefined) data[parent] = output.value;
      }
      return { skipped: false, data };
    }
  }
}

/**
 * The props a stage's `process` receives: its props without the stage settings (`$` keys).
 *
 * @internal
 */
export function actionProps(props: JsonObject): JsonObject {
  const plain: JsonObject = {};
  for (const [key, value] of Object.entries(props)) {
    if (!key.startsWith('$')) plain[key] = value;
  }
  return plain;
}

/**
 * The run step of every stage action. @internal
 */
export async function runStage(stage: StageAction, _event: unknown): Promise<void> {
  const input: StageInput = stage.input;
  const output = stage.output as StageOutput;
  const data = stageData(input.source);
  if (data.skipped) {
    output.skipped = data.reason;
    stage.log.info(`skipped: ${data.reason}`);
    return;
  }
  try {
    const value = await stage.process(data.data as JsonValue, actionProps(input.props));
    if (value !== undefined) output.value = value;
  } catch (error) {
    if (!(error instanceof EndBranch)) throw error;
    output.skipped = `stage "${input.stage}" ended this branch: ${error.reason}`;
    stage.log.info(`branch ended: ${error.reason}`);
  }
}
