/**
 * The packaged stage actions (DESIGN §6): each a `StageAction` with a props schema.
 */
import type { StageActionClass } from '../flows-types.js';
import { Batch } from './batch.js';
import { Filter } from './filter.js';
import { HttpRequest } from './http-request.js';
import { LogStage } from './log.js';
import { ManualTrigger } from './manual-trigger.js';
import { RemapFields } from './remap-fields.js';
import { MapStage } from './map.js';
import { ReduceStage } from './reduce.js';
import { RunCommand } from './run-command.js';
import { RunFlowStage } from './run-flow.js';

export { Batch, Filter, HttpRequest, LogStage, ManualTrigger, RemapFields, RunCommand };
export type { BatchProps } from './batch.js';
export type { FilterProps } from './filter.js';
export type { HttpRequestProps, HttpResponseOutput } from './http-request.js';
export type { LogProps } from './log.js';
export type { ManualTriggerProps } from './manual-trigger.js';
export type { RemapFieldsProps } from './remap-fields.js';
export type { RunCommandProps } from './run-command.js';

/** Every packaged stage action, registered by each `Flows` and known to `parseFlow`. */
export const packagedStageActions: readonly StageActionClass[] = [
  ManualTrigger,
  RemapFields,
  Filter,
  HttpRequest,
  Batch,
  LogStage,
  RunCommand,
  // Map and Run Flow wait for sub-plans (SubPlansAction), not through `process`.
  MapStage as unknown as StageActionClass,
  ReduceStage,
  RunFlowStage as unknown as StageActionClass,
];
