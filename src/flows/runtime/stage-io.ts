import type { JsonObject, JsonValue } from '../../plan/records.js';

/**
 * Where a stage's data comes from, as the compiler planned it: the run's input (the entry stage,
 * or the stages right after a `Map`, per item), one parent's output, or every parent's output
 * (a join, whose data is `{ [parentName]: output }`). Parent outputs are output references until
 * the step runs.
 *
 * @internal
 */
export type StageSource =
  | { readonly kind: 'value'; readonly value: JsonValue }
  | { readonly kind: 'parent'; readonly parent: string; readonly output: StageOutput }
  | { readonly kind: 'join'; readonly outputs: { readonly [parent: string]: StageOutput } };

/**
 * The input of a stage's step: what the compiler gives every `StageAction`.
 *
 * @internal
 */
export interface StageInput {
  /** The flow's name. */
  readonly flow: string;
  /** The stage's name. */
  readonly stage: string;
  /** The stage's props, stage settings (`$` keys) included. */
  readonly props: JsonObject;
  /** Where its data comes from. */
  readonly source: StageSource;
}

/**
 * What a stage's step stores as its output: the value `process` returned, or why the stage did not
 * run (a `Filter` upstream ended its branch).
 */
export interface StageOutput {
  /** The stage's output (absent when it was skipped or returned `undefined`). */
  value?: JsonValue;
  /** Set when the stage did not run: says which `Filter` ended its branch. */
  skipped?: string;
  /** Warnings of this stage's run (an `$input` mismatch). */
  warnings?: string[];
  /** Set when the stage's fallback produced `value`: the error the stage itself ended with. */
  fellBack?: string;
  /** Attempts `process` took (1 when it succeeded at once). */
  attempts?: number;
}
