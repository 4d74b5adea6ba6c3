/**
 * `flowline/flows`: declarative flows (DESIGN.md section 6). A flow is YAML or JSON naming a DAG of
 * stages; it compiles to an execution plan, so a flow run is an ordinary plan.
 */
export type { FlowDefinition, FlowViolation, StageDefinition } from './definition/types.js';
export { parseFlow } from './definition/parse-flow.js';
export type { ParseFlowOptions } from './definition/parse-flow.js';
export { STAGE_SETTING_KEYS, stageSettings } from './definition/settings.js';
export type {
  FallbackSettings,
  RetrySettings,
  StageSettingKey,
  StageSettings,
} from './definition/settings.js';
export { StageAction } from './stage-action.js';
export type { JsonSchema } from './stage-action.js';
export type { StageOutput } from './runtime/stage-io.js';
export { Flows } from './flows.js';
export type { FlowsOptions } from './flows.js';
export type {
  DurationPercentiles,
  FlowMetrics,
  FlowRun,
  FlowRunFilter,
  FlowVersion,
  RunMetrics,
  StageActionClass,
} from './flows-types.js';
export { MapStage } from './actions/map.js';
export type { MapProps, MapValue } from './actions/map.js';
export { ReduceStage } from './actions/reduce.js';
export { RunFlowStage } from './actions/run-flow.js';
export type { RunFlowProps } from './actions/run-flow.js';
export {
  Batch,
  Filter,
  HttpRequest,
  LogStage,
  ManualTrigger,
  RemapFields,
  RunCommand,
} from './actions/index.js';
export type {
  BatchProps,
  FilterProps,
  HttpRequestProps,
  HttpResponseOutput,
  LogProps,
  ManualTriggerProps,
  RemapFieldsProps,
  RunCommandProps,
} from './actions/index.js';
