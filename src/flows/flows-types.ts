import type { AnyAction, ActionClass } from '../action/types.js';
import type { JsonObject } from '../plan/records.js';
import type { PlanResult, PlanState } from '../plan/states.js';
import type { FlowDefinition } from './definition/types.js';
import type { StageAction } from './stage-action.js';

/** A `StageAction` subclass (a packaged one or the user's). */
export type StageActionClass = ActionClass<StageAction<object, never, unknown> & AnyAction> & {
  readonly actionName?: string;
  readonly propsSchema?: JsonObject | boolean;
};

/** A stored version of a flow (DESIGN §6, staging). */
export interface FlowVersion {
  /** The flow's name. */
  readonly name: string;
  /** 1, 2, 3… */
  readonly version: number;
  /** `development` (editable), `production` (what triggers run) or `retired`. */
  readonly stage: 'development' | 'production' | 'retired';
  /** The validated definition. */
  readonly definition: FlowDefinition;
  /** ISO time it was saved. */
  readonly createdAt: string;
  /** ISO time it last became the production version. */
  readonly deployedAt?: string;
}

/** One run of a flow, as `flows.runs` lists it. */
export interface FlowRun {
  /** The run's id: the id of its execution plan. */
  readonly id: string;
  /** The flow's name. */
  readonly flow: string;
  /** The version of the flow the run started with. */
  readonly version: number;
  /** Its plan's state and result. */
  readonly state: PlanState;
  readonly result: PlanResult;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** `endedAt - startedAt` in ms, once it has ended. */
  readonly durationMs?: number;
  /** Warnings of its stages (input that did not match a stage's `$input`), when there are any. */
  readonly warnings?: readonly string[];
}

/** Which runs `flows.runs` lists. */
export interface FlowRunFilter {
  readonly state?: PlanState | readonly PlanState[];
  readonly result?: PlanResult | readonly PlanResult[];
  /** At most this many (taken in the store's order). */
  readonly limit?: number;
  readonly offset?: number;
}

/** Duration percentiles in ms (`undefined` before the first finished run). */
export interface DurationPercentiles {
  readonly p50: number | undefined;
  readonly p95: number | undefined;
  readonly p99: number | undefined;
}

/** Runs, failures and durations of a flow or of one of its stages. */
export interface RunMetrics {
  /** Runs (or stage executions) that ended. */
  readonly runs: number;
  /** Those that failed. */
  readonly failures: number;
  /** Percentiles of their durations. */
  readonly durationMs: DurationPercentiles;
}

/** `flows.metrics(name)`: the flow's runs and each stage's. */
export interface FlowMetrics extends RunMetrics {
  readonly stages: { readonly [stage: string]: RunMetrics };
}
