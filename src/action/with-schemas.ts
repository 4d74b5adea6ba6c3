import { ErrorCode, FlowlineError } from '../errors.js';
import { describeValue } from '../shared/describe-value.js';
import { Action } from './action.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { isStandardSchema } from './standard-schema.js';

/** The schemas given to {@link withSchemas}; each is optional. */
export interface ActionSchemas {
  /** What the input given to `planSelf` must match (`static input`). */
  readonly input?: StandardSchemaV1;
  /** What the output must match when `run` ends (`static output`). */
  readonly output?: StandardSchemaV1;
}

/** The schema `S` has under `K`, or `undefined` when it has none. */
type SchemaAt<S extends ActionSchemas, K extends keyof ActionSchemas> = S extends {
  readonly [key in K]: infer T extends StandardSchemaV1;
}
  ? T
  : undefined;

/** The type the schema of `S` under `K` outputs, when it is an object type; else a plain record. */
type SchemaObject<S extends ActionSchemas, K extends keyof ActionSchemas> =
  SchemaAt<S, K> extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<SchemaAt<S, K>> extends infer T extends object
      ? T
      : Record<string, unknown>
    : Record<string, unknown>;

/**
 * The base class {@link withSchemas} returns: `Action<I, O>` with `I` and `O` inferred from the
 * schemas, and the schemas set as `static input` / `static output`.
 */
export type ActionWithSchemas<S extends ActionSchemas> = Omit<
  typeof Action,
  'prototype' | 'input' | 'output'
> & {
  new (): Action<SchemaObject<S, 'input'>, SchemaObject<S, 'output'>>;
  readonly prototype: Action<SchemaObject<S, 'input'>, SchemaObject<S, 'output'>>;
  /** The input schema. */
  input: SchemaAt<S, 'input'>;
  /** The output schema. */
  output: SchemaAt<S, 'output'>;
};

/**
 * A base class for an action whose input and output are described by Standard Schemas (zod,
 * valibot, arktype, …): the schemas are its `static input` / `static output`, and `this.input`,
 * `this.output`, `planSelf` and the `Planned` handle are typed from them, so the types are written
 * once, as the schema.
 *
 * @example
 * ```ts
 * const ChargeInput = z.object({ orderId: z.string(), cents: z.number().int().positive() });
 * const ChargeOutput = z.object({ chargeId: z.string() });
 *
 * class Charge extends withSchemas({ input: ChargeInput, output: ChargeOutput }) {
 *   async run() {
 *     this.output.chargeId = await this.context.payments.charge(this.input.orderId, this.input.cents);
 *   }
 * }
 * ```
 *
 * @param schemas - `input` and/or `output`, each a Standard Schema of an object
 * @throws FlowlineError `INVALID_ARGUMENT` when one is not a Standard Schema
 */
export function withSchemas<const S extends ActionSchemas>(schemas: S): ActionWithSchemas<S> {
  if (typeof schemas !== 'object' || (schemas as unknown) === null) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `withSchemas takes { input?, output? }, got ${describeValue(schemas)}`,
    );
  }
  const { input, output } = schemas as { input?: unknown; output?: unknown };
  for (const [key, value] of [
    ['input', input],
    ['output', output],
  ] as const) {
    if (value !== undefined && !isStandardSchema(value)) {
      throw new FlowlineError(
        ErrorCode.INVALID_ARGUMENT,
        `withSchemas: ${key} must be a Standard Schema (a zod, valibot or arktype schema), got ` +
          describeValue(value),
      );
    }
  }
  class WithSchemas extends Action {
    static override input = input as StandardSchemaV1 | undefined;
    static override output = output as StandardSchemaV1 | undefined;
  }
  return WithSchemas as unknown as ActionWithSchemas<S>;
}
