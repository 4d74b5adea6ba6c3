import { ErrorCode } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { StageAction } from '../stage-action.js';
import { checkProps } from './props-check.js';
import { evaluateExpression, setField, toPlainJson } from './expression.js';
import { stageFailure } from './stage-error.js';

/** Props of {@link RemapFields}. */
export interface RemapFieldsProps {
  /** Start from a copy of the input object. @default false */
  readonly keep?: boolean;
  /** Fields to rename: `{ from: to }`. */
  readonly rename?: { readonly [from: string]: string };
  /** Fields computed by JSONata expressions over the input: `{ name: expression }`. */
  readonly fields?: { readonly [name: string]: string };
  /** Fields with fixed values: `{ name: value }`. */
  readonly constants?: JsonObject;
  /** Fields to leave out of the output. */
  readonly drop?: readonly string[];
  /** The time bound of each expression, in ms. @default 1000 */
  readonly timeoutMs?: number;
}

const FIELD_MAP = (description: string, valueDescription: string): JsonObject => ({
  description,
  type: 'object',
  additionalProperties: { description: valueDescription, type: 'string' },
});

/**
 * `Remap Fields`: builds a new object from its data: pick, rename, compute, set and drop fields.
 *
 * Props, applied in this order:
 * 1. `keep`: start from a copy of the input object (default `false`: start from `{}`); with
 *    `keep` the data must be an object.
 * 2. `rename`: `{ from: to }`, the input's field `from` becomes the output's field `to` (with
 *    `keep`, `from` is removed); a missing `from` sets nothing.
 * 3. `fields`: `{ name: expression }`, each a JSONata expression over the input data (`"email"`,
 *    `"contact.email"`, `"$uppercase(name)"`, `"price * quantity"`); a result of nothing leaves
 *    the field out (and removes a kept one).
 * 4. `constants`: `{ name: value }`, fixed JSON values.
 * 5. `drop`: names removed from the output.
 * - `timeoutMs`: the time bound of each expression (default 1000 ms).
 *
 * An expression that does not compile, fails or runs too long fails the stage with
 * `EXPRESSION_FAILED`, naming the expression, the stage and the position.
 *
 * @example
 * ```yaml
 * name: Remap
 * action: Remap Fields
 * props:
 *   keep: true
 *   rename: { company_name: company }
 *   fields:
 *     email: contact.email
 *     domain: $substringAfter(contact.email, "@")
 *   constants: { source: hubspot }
 *   drop: [internal_id]
 * out: [Enrich]
 * ```
 */
export class RemapFields extends StageAction<RemapFieldsProps> {
  static override actionName = 'Remap Fields';
  static override propsSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      keep: {
        description: 'Start from a copy of the input object instead of {}. Default: false.',
        type: 'boolean',
      },
      rename: FIELD_MAP('Fields to rename: { from: to }.', 'The new name of the field.'),
      fields: FIELD_MAP(
        'Fields computed from the input: { name: JSONata expression }.',
        'A JSONata expression over the input data.',
      ),
      constants: {
        description: 'Fields with fixed JSON values: { name: value }.',
        type: 'object',
      },
      drop: {
        description: 'Names of fields left out of the output.',
        type: 'array',
        items: { description: 'A field name.', type: 'string' },
      },
      timeoutMs: {
        description: 'The time bound of each expression, in ms. Default: 1000.',
        type: 'integer',
        minimum: 1,
      },
    },
    additionalProperties: false,
  };

  /** Builds the output object. */
  async process(data: JsonValue, props: RemapFieldsProps): Promise<JsonObject> {
    checkProps(this, this.input.stage, props);
    const stage = this.input.stage;
    const source = isObject(data) ? data : undefined;
    const out: JsonObject = {};
    if (props.keep === true) {
      if (source === undefined) {
        throw stageFailure(
          ErrorCode.INVALID_ARGUMENT,
          `stage "${stage}" (Remap Fields): keep needs an object as data, got ${kind(data)}`,
          { retryable: false },
        );
      }
      for (const [key, value] of Object.entries(source)) setField(out, key, value);
    }
    for (const [from, to] of Object.entries(props.rename ?? {})) {
      if (source === undefined || !Object.hasOwn(source, from)) continue;
      const value = source[from];
      if (props.keep === true) Reflect.deleteProperty(out, from);
      if (value !== undefined) setField(out, to, value);
    }
    for (const [name, expression] of Object.entries(props.fields ?? {})) {
      const value = await evaluateExpression(expression, data, {
        stage,
        prop: `fields.${name}`,
        timeoutMs: props.timeoutMs,
      });
      if (value === undefined) Reflect.deleteProperty(out, name);
      else setField(out, name, value);
    }
    for (const [name, value] of Object.entries(props.constants ?? {})) {
      const plain = toPlainJson(value);
      if (plain !== undefined) setField(out, name, plain);
    }
    for (const name of props.drop ?? []) Reflect.deleteProperty(out, name);
    return out;
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
