import type { JsonObject, JsonValue } from '../../../src/plan/records.js';
import { StageAction } from '../../../src/flows/stage-action.js';

/** A trigger-like stage action without a props schema: any props. */
export class Trigger extends StageAction {
  static override actionName = 'Trigger';
  process(data: JsonValue): JsonValue {
    return data;
  }
}

/** Props `{ level?: 'info' | 'warn' }`, nothing else. */
export class Log extends StageAction<{ level?: string }> {
  static override actionName = 'Log';
  static override propsSchema = {
    type: 'object',
    properties: { level: { enum: ['info', 'warn'] } },
    additionalProperties: false,
  };
  process(data: JsonValue): JsonValue {
    return data;
  }
}

/** Props `{ field: string }` (required); named by its class name. */
export class Enrich extends StageAction<{ field: string }> {
  static override propsSchema = {
    type: 'object',
    properties: { field: { type: 'string' } },
    required: ['field'],
  };
  process(data: JsonValue, props: { field: string }): JsonValue {
    return { ...(data as JsonObject), [props.field]: true };
  }
}

/** The test actions, as `parseFlow`'s `actions` option. */
export const actions = [Trigger, Log, Enrich];
