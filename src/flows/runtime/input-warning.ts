import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { JsonValue } from '../../plan/records.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction | Error>();
const MAX_CACHED = 500;

/**
 * Checks a stage's data against its `$input` schema.
 *
 * @returns a warning naming each mismatch, or `undefined` when the data matches (or the schema
 *   cannot be compiled: that was refused when the flow was saved)
 * @internal
 */
export function inputWarning(
  schema: JsonValue,
  data: JsonValue | undefined,
  stage: string,
): string | undefined {
  if (typeof schema !== 'object' && typeof schema !== 'boolean') return undefined;
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema as object);
    } catch (error) {
      validate = error as Error;
    }
    if (compiled.size >= MAX_CACHED) compiled.clear();
    compiled.set(key, validate);
  }
  if (validate instanceof Error || validate(data ?? null)) return undefined;
  const problems = (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (error) =>
        `${error.instancePath === '' ? '(input)' : error.instancePath} ${error.message ?? 'is invalid'}`,
    );
  return `input of stage "${stage}" does not match its $input schema: ${problems.join('; ')}`;
}
