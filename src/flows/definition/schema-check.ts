import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../stage-action.js';
import type { Finding } from './finding.js';
import { childPointer } from './pointer.js';

/** A compiled JSON schema, or why it does not compile. @internal */
export type CompiledSchema =
  | { readonly ok: true; readonly validate: ValidateFunction }
  | { readonly ok: false; readonly error: string };

// Draft-07 (Ajv's default), every error reported. Unknown keywords and formats are left alone in
// the user's schemas (no format plug-in is bundled), and ajv logs nothing. `verbose` puts the
// checked value in each error, which the messages name.
const ajv = new Ajv({ allErrors: true, strict: false, logger: false, verbose: true });
// Schemas written in a flow (`$input`) are compiled here and removed at once: each parse gives new
// objects, so keeping them would only grow the cache.
const scratch = scratchAjv();
/** Verdicts on `$input` schemas by their JSON text: `true` (it compiles) or the problem. */
const verdicts = new Map<string, string | true>();
const MAX_VERDICTS = 1000;
const MAX_VERDICT_TEXT = 10_000;
const compiled = new WeakMap<object, CompiledSchema>();
const compiledBooleans = new Map<boolean, CompiledSchema>();

/**
 * Compiles a JSON schema (draft-07) once: the result is cached per schema object, so a stage
 * action's `propsSchema` is compiled the first time a flow uses it.
 *
 * @internal
 */
export function compileSchema(schema: JsonSchema): CompiledSchema {
  const cached = typeof schema === 'boolean' ? compiledBooleans.get(schema) : compiled.get(schema);
  if (cached !== undefined) return cached;
  const result = compileFresh(ajv, schema);
  if (typeof schema === 'boolean') compiledBooleans.set(schema, result);
  else compiled.set(schema, result);
  return result;
}

/**
 * Why a schema written in a flow (`$input`) does not compile, or `undefined` when it does.
 *
 * @internal
 */
export function schemaProblem(schema: JsonSchema): string | undefined {
  // The same schema text often comes back (a flow saved again, a schema shared by stages): its
  // verdict is kept, by text, in a bounded cache.
  const text = JSON.stringify(schema);
  const known = verdicts.get(text);
  if (known !== undefined) return known === true ? undefined : known;
  // A schema with ids registers them in its Ajv: it gets its own, so ids never clash across flows.
  const instance = text.includes('"$id"') ? scratchAjv() : scratch;
  let problem: string | undefined;
  try {
    const result = compileFresh(instance, schema);
    problem = result.ok ? undefined : result.error;
  } finally {
    if (instance === scratch && typeof schema !== 'boolean') scratch.removeSchema(schema);
  }
  if (text.length <= MAX_VERDICT_TEXT) {
    if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
    verdicts.set(text, problem ?? true);
  }
  return problem;
}

function scratchAjv(): Ajv {
  return new Ajv({ allErrors: true, strict: false, logger: false });
}

function compileFresh(instance: Ajv, schema: JsonSchema): CompiledSchema {
  try {
    return { ok: true, validate: instance.compile(schema) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : 'it does not compile' };
  }
}

/** How {@link schemaFindings} words the findings of one schema. @internal */
export interface FindingWords {
  /** Added to an unknown-field message, e.g. `(a stage has name, action, props and out)`. */
  readonly unknownHint?: (instancePath: string, schemaPath: string) => string;
  /** Put before every message, e.g. `action "Log" props: `. */
  readonly prefix?: string;
}

/**
 * The findings of a schema check: an unknown field at the field's key, a missing field at the
 * object, a wrong type at the value, anything else in ajv's words.
 *
 * @param base - the JSON pointer of the checked value in the flow definition
 * @internal
 */
export function schemaFindings(
  errors: readonly ErrorObject[] | null | undefined,
  base: string,
  words: FindingWords = {},
): Finding[] {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const prefix = words.prefix ?? '';
  for (const error of errors ?? []) {
    const finding = describeError(error, base, words);
    const message = prefix + finding.message;
    const key = `${finding.path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({ ...finding, message });
  }
  return findings;
}

function describeError(error: ErrorObject, base: string, words: FindingWords): Finding {
  const path = base + error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const hint = words.unknownHint?.(error.instancePath, error.schemaPath) ?? '';
      return {
        path: childPointer(path, field),
        message: `unknown field ${JSON.stringify(field)}${hint === '' ? '' : ` ${hint}`}`,
        at: 'key',
      };
    }
    case 'required':
      return { path, message: `missing field ${JSON.stringify(String(params.missingProperty))}` };
    case 'type':
      return { path, message: `must be ${typeWords(params.type)} (found ${kindOf(error.data)})` };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path, message: error.message ?? `does not match its schema (${error.keyword})` };
  }
}

const ARTICLES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((name) => ARTICLES[String(name)] ?? String(name)).join(' or ');
}

/**
 * What kind of JSON value this is, with an article: `a string`, `an array`, `null`…
 *
 * @internal
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return ARTICLES[typeof value] ?? `a ${typeof value}`;
}
