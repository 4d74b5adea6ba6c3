/**
 * The Standard Schema interface (standardschema.dev, version 1), copied here as the spec asks
 * libraries to do instead of depending on a package: zod, valibot, arktype and others implement it,
 * so `static input` / `static output` accept a schema of any of them.
 */

/** A schema of any library that implements Standard Schema: what `static input` / `output` take. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties, under a key no library uses for anything else. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// The spec's own shape: a namespace merged with the interface, so `StandardSchemaV1.InferOutput`.
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace StandardSchemaV1 {
  /** The properties of a Standard Schema. */
  export interface Props<Input = unknown, Output = Input> {
    /** The version of the spec: 1. */
    readonly version: 1;
    /** The library that made the schema (`zod`, `valibot`, …). */
    readonly vendor: string;
    /** Checks a value: its output (after transforms and defaults), or the issues found. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** The inferred types, for type inference only (absent at run time). */
    readonly types?: Types<Input, Output> | undefined;
  }

  /** What `validate` returns. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;

  /** A value the schema accepted. */
  export interface SuccessResult<Output> {
    /** The value as the schema outputs it (transforms and defaults applied). */
    readonly value: Output;
    /** Absent on success. */
    readonly issues?: undefined;
  }

  /** A value the schema refused. */
  export interface FailureResult {
    /** What is wrong with the value. */
    readonly issues: readonly Issue[];
  }

  /** One problem with a value. */
  export interface Issue {
    /** What is wrong. */
    readonly message: string;
    /** Where: keys from the root, plain or wrapped in a segment. */
    readonly path?: readonly (PropertyKey | PathSegment)[] | undefined;
  }

  /** A key in an issue's path. */
  export interface PathSegment {
    /** The key. */
    readonly key: PropertyKey;
  }

  /** The types a schema takes and gives. */
  export interface Types<Input = unknown, Output = Input> {
    /** What the schema accepts. */
    readonly input: Input;
    /** What the schema outputs. */
    readonly output: Output;
  }

  /** The type a schema accepts. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['input'];

  /** The type a schema outputs: what a validated value is. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}

/**
 * Whether a value is a Standard Schema: an object (or function) with a `~standard` object whose
 * `version` is 1 and whose `validate` is a function.
 *
 * @internal
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  try {
    const props: unknown = (value as { '~standard'?: unknown })['~standard'];
    if (typeof props !== 'object' || props === null) return false;
    const { version, validate } = props as { version?: unknown; validate?: unknown };
    return version === 1 && typeof validate === 'function';
  } catch {
    return false;
  }
}
