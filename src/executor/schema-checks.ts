import type { CheckedValue } from '../action/schema-check.js';
import { checkAgainst } from '../action/schema-check.js';
import type { StandardSchemaV1 } from '../action/standard-schema.js';
import type { JsonObject } from '../plan/records.js';
import { toJsonObject } from '../plan/serialization.js';
import type { PhaseCall } from './step-runner.js';

/**
 * The output a run step ends with, checked against its action's `static output` schema: the
 * schema's output (defaults and transforms applied) is what is stored.
 *
 * @param stored - the output as written by `run`, already plain data
 * @throws FlowlineError `INVALID_OUTPUT` listing the issues (the step fails; no retry: the same
 *   call would write the same output), `UNSERIALIZABLE_VALUE` when the schema's output is not plain data
 * @internal
 */
export async function checkOutput(
  call: PhaseCall,
  schema: StandardSchemaV1,
  stored: JsonObject,
): Promise<JsonObject> {
  const value = await checkAgainst(schema, stored, 'output', {
    className: call.className,
    planId: call.planId,
    actionId: call.actionId,
    stepId: call.stepId,
  });
  return value === stored
    ? stored
    : toJsonObject(value, `output of ${call.className} (action ${call.actionId})`);
}

/**
 * The input of a step whose input held output references, once they are resolved, checked against
 * its action's `static input` schema (planning could not check the referenced values): the
 * schema's output is what the action reads as `this.input` (the stored input keeps the references).
 *
 * @throws FlowlineError `INVALID_INPUT` listing the issues (the step fails, the rescue strategy
 *   applies)
 * @internal
 */
export async function checkResolvedInput(
  schema: StandardSchemaV1,
  input: JsonObject,
  at: CheckedValue,
): Promise<JsonObject> {
  const value = await checkAgainst(schema, input, 'input', at);
  return value === input
    ? input
    : toJsonObject(value, `input of ${at.className} (action ${at.actionId})`);
}
