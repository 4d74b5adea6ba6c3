import type { JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';
import { evaluateExpression, isTruthy } from './expression.js';

/** Props of {@link Filter}. */
export interface FilterProps {
  /** A JSONata expression over the stage's data. */
  readonly condition: string;
  /** The time bound of the expression, in ms. @default 1000 */
  readonly timeoutMs?: number;
}

/**
 * `Filter`: lets its data through when `condition` holds, else ends its branch: the stage has no
 * output and every stage downstream of it is skipped; the run still succeeds.
 *
 * Props:
 * - `condition` (required): a JSONata expression over the data. It holds when its result is true
 *   by JSONata's `$boolean` rules (`false`, `null`, `0`, `""`, empty lists and objects, and
 *   nothing at all do not hold).
 * - `timeoutMs`: the time bound of the expression (default 1000 ms).
 *
 * A condition that does not compile, fails or runs too long fails the stage with
 * `EXPRESSION_FAILED` (not retried).
 *
 * @example
 * ```yaml
 * name: Large orders
 * action: Filter
 * props:
 *   condition: amount >= 100 and status = "paid"
 * out: [Notify sales]
 * ```
 */
export class Filter extends StageAction<FilterProps> {
  static override actionName = 'Filter';
  static override propsSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      condition: {
        description:
          "A JSONata expression over the stage's data; the branch ends when it is false.",
        type: 'string',
        minLength: 1,
      },
      timeoutMs: {
        description: 'The time bound of the expression, in ms. Default: 1000.',
        type: 'integer',
        minimum: 1,
      },
    },
    required: ['condition'],
    additionalProperties: false,
  };

  /** Outputs the data unchanged when the condition holds, else ends the branch. */
  async process(data: JsonValue, props: FilterProps): Promise<JsonValue> {
    checkProps(this, this.input.stage, props);
    const result = await evaluateExpression(props.condition, data, {
      stage: this.input.stage,
      prop: 'condition',
      timeoutMs: props.timeoutMs,
    });
    if (isTruthy(result)) return data;
    return this.endBranch(`condition ${JSON.stringify(props.condition)} is false`);
  }
}
