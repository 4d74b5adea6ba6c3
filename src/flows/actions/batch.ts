import { ErrorCode } from '../../errors.js';
import type { JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';
import { evaluateExpression } from './expression.js';
import { stageFailure } from './stage-error.js';

/** Props of {@link Batch}. */
export interface BatchProps {
  /** How many items each chunk holds (the last may hold fewer). */
  readonly size: number;
  /** A JSONata expression picking the list from the data. @default the data itself */
  readonly items?: string;
  /** The time bound of the `items` expression, in ms. @default 1000 */
  readonly timeoutMs?: number;
}

/**
 * `Batch`: splits a list into chunks of `size` items, in order; its output is the list of chunks
 * (an empty list for an empty list).
 *
 * Props:
 * - `size` (required): items per chunk, an integer ≥ 1; the last chunk may hold fewer
 * - `items`: a JSONata expression picking the list from the data (default: the data itself)
 * - `timeoutMs`: the time bound of the `items` expression (default 1000 ms)
 *
 * Data (or an `items` result) that is not a list fails the stage with `INVALID_ARGUMENT`
 * (`details.retryable: false`).
 *
 * @example
 * ```yaml
 * name: Chunk
 * action: Batch
 * props:
 *   size: 100
 *   items: orders
 * out: [Publish]
 * ```
 */
export class Batch extends StageAction<BatchProps> {
  static override actionName = 'Batch';
  static override propsSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      size: { description: 'How many items each chunk holds.', type: 'integer', minimum: 1 },
      items: {
        description: 'A JSONata expression picking the list from the data. Default: the data.',
        type: 'string',
        minLength: 1,
      },
      timeoutMs: {
        description: 'The time bound of the items expression, in ms. Default: 1000.',
        type: 'integer',
        minimum: 1,
      },
    },
    required: ['size'],
    additionalProperties: false,
  };

  /** Outputs the chunks of the list. */
  async process(data: JsonValue, props: BatchProps): Promise<JsonValue[][]> {
    checkProps(this, this.input.stage, props);
    const stage = this.input.stage;
    const size = props.size;
    const list =
      props.items === undefined
        ? data
        : await evaluateExpression(props.items, data, {
            stage,
            prop: 'items',
            timeoutMs: props.timeoutMs,
          });
    if (!Array.isArray(list)) {
      const where = props.items === undefined ? 'its data' : `items ${JSON.stringify(props.items)}`;
      throw stageFailure(
        ErrorCode.INVALID_ARGUMENT,
        `stage "${stage}" (Batch): ${where} must be a list, got ${describe(list)}`,
        { retryable: false },
      );
    }
    const chunks: JsonValue[][] = [];
    for (let start = 0; start < list.length; start += size) {
      chunks.push(list.slice(start, start + size));
    }
    return chunks;
  }
}

function describe(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
