/**
 * `flowline/flows`: declarative flows (DESIGN.md section 6). A flow is YAML or JSON naming a DAG of
 * stages; it compiles to an execution plan, so a flow run is an ordinary plan.
 */
export type { FlowDefinition, FlowViolation, StageDefinition } from './definition/types.js';
export { StageAction } from './stage-action.js';
export type { JsonSchema } from './stage-action.js';
export type { StageOutput } from './runtime/stage-io.js';
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
