import type { JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';

/** Props of {@link ManualTrigger}: none. */
export type ManualTriggerProps = Record<string, never>;

/**
 * `Manual Trigger`: the entry stage of a flow started by hand (`flows.trigger(name, input)`,
 * `flows.execute`, `flows.debug`). It takes no props and outputs the run's input unchanged.
 *
 * @example
 * ```yaml
 * name: Start
 * action: Manual Trigger
 * props: {}
 * out: [Remap]
 * ```
 */
export class ManualTrigger extends StageAction<ManualTriggerProps> {
  static override actionName = 'Manual Trigger';
  static override propsSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    description: 'Manual Trigger takes no props.',
    type: 'object',
    properties: {},
    additionalProperties: false,
  };

  /** Outputs the run's input unchanged. */
  process(data: JsonValue, props: ManualTriggerProps): JsonValue {
    checkProps(this, this.input.stage, props);
    return data;
  }
}
