import type { JsonObject } from '../../plan/records.js';

/**
 * One stage of a flow, exactly as the flow schema describes it (seed `001_…`): a unique `name`, the
 * stage `action` it performs (a packaged one such as `Remap Fields`, or a `StageAction` subclass by
 * its `static actionName`), the `props` given to that action (stage settings under reserved `$`
 * keys), and the stages `out` that run after it.
 */
export interface StageDefinition {
  /** Unique within the flow. */
  readonly name: string;
  /** The stage action's name. */
  readonly action: string;
  /** Props for the action; `$retry`, `$timeout`, `$fallback` and `$input` are stage settings. */
  readonly props: JsonObject;
  /** Names of the stages that run after this one (with its output as their input). */
  readonly out: readonly string[];
}

/** A flow: a named DAG of stages from one entry (trigger) stage. */
export interface FlowDefinition {
  /** Uniquely identifies the flow. */
  readonly name: string;
  /** The stages, in the order written. */
  readonly stages: readonly StageDefinition[];
}

/** One problem found in a flow definition. */
export interface FlowViolation {
  /** Where, as a JSON pointer into the definition (`/stages/2/out/0`); `''` for the whole flow. */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
  /** 1-based line in the text it was parsed from, when parsed from text. */
  readonly line?: number;
  /** 1-based column in the text it was parsed from, when parsed from text. */
  readonly column?: number;
}
