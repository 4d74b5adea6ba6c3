import type { CheckedValue } from '../action/schema-check.js';
import { checkAgainst, schemaOf } from '../action/schema-check.js';
import type { ActionClass } from '../action/types.js';
import type { JsonObject, JsonValue } from '../plan/records.js';
import { storedReference } from '../plan/references.js';

/**
 * Checks a planned input (in its stored form) against the action's `static input` schema, and
 * returns the input to store: the schema's output, so its defaults and transforms are what `run`
 * reads. Output references are not known before the run: issues at or around them do not count
 * now (the run step checks the resolved input), and an input holding any is stored as given.
 *
 * @returns `undefined` when the class has no `static input`; else the input to store, or a
 *   promise of it for an async schema
 * @throws FlowlineError `INVALID_INPUT` listing the issues (or rejects with it)
 * @internal
 */
export function checkPlannedInput(
  cls: ActionClass,
  input: JsonObject,
  at: CheckedValue,
): JsonObject | Promise<JsonObject> | undefined {
  const schema = schemaOf(cls, 'input');
  if (schema === undefined) return undefined;
  const references: (string | number)[][] = [];
  collectReferences(input, [], references);
  return checkAgainst(schema, input, 'input', at, references) as JsonObject | Promise<JsonObject>;
}

/** The paths of the stored output references inside a value. */
function collectReferences(
  value: JsonValue,
  path: (string | number)[],
  found: (string | number)[][],
): void {
  if (typeof value !== 'object' || value === null) return;
  if (storedReference(value) !== undefined) {
    found.push(path);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      collectReferences(item, [...path, index], found);
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) collectReferences(item, [...path, key], found);
}
