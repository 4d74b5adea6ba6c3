import type { JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';

/** Props of {@link LogStage}. */
export interface LogProps {
  /** The line's level. @default 'info' */
  readonly level?: 'info' | 'warn' | 'error';
  /** The line's text. @default 'data' */
  readonly message?: string;
  /** Whether the stage's data goes with the line as its meta. @default true */
  readonly data?: boolean;
}

/**
 * `Log`: writes one line to the stage's log (stored with the run's step, shown in the console and
 * in `flows.debug` traces) and outputs its data unchanged.
 *
 * Props:
 * - `level`: `info` (default), `warn` or `error`
 * - `message`: the line's text (plain text; default `data`)
 * - `data`: whether the stage's data is attached to the line as its meta (default `true`)
 *
 * @example
 * ```yaml
 * name: Trace
 * action: Log
 * props:
 *   level: warn
 *   message: order above the limit
 *   data: true
 * out: [Publish]
 * ```
 */
export class LogStage extends StageAction<LogProps> {
  static override actionName = 'Log';
  static override propsSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      level: {
        description: 'The log level of the line. Default: info.',
        enum: ['info', 'warn', 'error'],
      },
      message: { description: 'The text of the line. Default: "data".', type: 'string' },
      data: {
        description: "Whether the stage's data is attached to the line as its meta. Default: true.",
        type: 'boolean',
      },
    },
    additionalProperties: false,
  };

  /** Writes the line, then outputs the data unchanged. */
  process(data: JsonValue, props: LogProps): JsonValue {
    checkProps(this, this.input.stage, props);
    const level = props.level ?? 'info';
    const message = props.message ?? 'data';
    if (props.data === false) this.log[level](message);
    else this.log[level](message, data);
    return data;
  }
}
