/**
 * JSONata expressions in stage props (`Remap Fields`, `Filter`, `Batch`): compiled once per text,
 * evaluated with a time bound and a depth bound, results turned into plain JSON, every failure a
 * `FlowlineError` `EXPRESSION_FAILED`.
 */
import jsonata from 'jsonata';
import { ErrorCode } from '../../errors.js';
import type { FlowlineError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';
import { stageFailure } from './stage-error.js';

/** The default time bound of one evaluation, in ms. */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 1000;

/** The deepest nesting of evaluation an expression may reach (runaway recursion ends there). */
const MAX_DEPTH = 500;

/** The longest sequence an expression may build (bounds the memory a stray range can take). */
const MAX_SEQUENCE = 1_000_000;

/** Compiled expressions kept, per time bound and text; the oldest go first past this. */
const CACHE_LIMIT = 500;

const cache = new Map<string, jsonata.Expression>();

/** Where an expression is evaluated, for error messages. */
export interface ExpressionScope {
  /** The stage whose props hold the expression. */
  readonly stage: string;
  /** The prop that holds it (`condition`, `fields.email`). */
  readonly prop: string;
  /** The time bound of the evaluation, in ms. @default {@link DEFAULT_EXPRESSION_TIMEOUT_MS} */
  readonly timeoutMs?: number | undefined;
}

/** The shape of the errors JSONata throws (plain objects, not `Error`s). */
interface JsonataFailure {
  readonly code?: unknown;
  readonly position?: unknown;
  readonly token?: unknown;
  readonly message?: unknown;
}

/**
 * Evaluates a JSONata expression against a stage's data.
 *
 * The time bound is measured on the process's own timer, not the world clock: it bounds the CPU
 * one evaluation may take, which no managed clock advances during.
 *
 * @param text - the expression
 * @param data - the data it reads as `$`
 * @param scope - the stage and prop it comes from, and the time bound
 * @returns its result as plain JSON (`undefined` when it selects nothing)
 * @throws FlowlineError `EXPRESSION_FAILED` when it does not compile, fails, runs past the time
 *   bound or recurses too deep; the message names the expression, the stage and the position
 */
export async function evaluateExpression(
  text: string,
  data: JsonValue | undefined,
  scope: ExpressionScope,
): Promise<JsonValue | undefined> {
  const timeoutMs = scope.timeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
  const expression = compile(text, timeoutMs, scope);
  let result: unknown;
  try {
    result = await expression.evaluate(data);
  } catch (error) {
    throw expressionError(text, scope, error, timeoutMs);
  }
  return toPlainJson(result);
}

/**
 * Whether a value counts as true in a condition (JSONata's `$boolean` rules: empty strings, 0,
 * `null`, `false`, empty lists and objects, and nothing at all are false).
 *
 * @param value - an expression's result
 */
export function isTruthy(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => isTruthy(item));
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

/**
 * A JSONata result as plain JSON: sequences become plain lists, functions and `undefined` are
 * dropped from objects (and become `null` in lists, as `JSON.stringify` does), non-finite numbers
 * become `null`.
 *
 * @param value - what JSONata returned
 * @returns plain JSON, or `undefined` for nothing
 */
export function toPlainJson(value: unknown): JsonValue | undefined {
  return plain(value, new Set());
}

/** `ancestors`: the objects on the way here, so that a cycle ends instead of recursing. */
function plain(value: unknown, ancestors: Set<object>): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'object':
      break;
    default:
      return undefined;
  }
  const object = value;
  if (isJsonataFunction(object) || ancestors.has(object)) return undefined;
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      return object.map((item: unknown) => plain(item, ancestors) ?? null);
    }
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(object)) {
      const field = plain(item, ancestors);
      if (field !== undefined) setField(out, key, field);
    }
    return out;
  } finally {
    ancestors.delete(object);
  }
}

/** JSONata's function values (lambdas, built-ins, regexes) are objects with a marker. */
function isJsonataFunction(value: object): boolean {
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marked._jsonata_lambda === true || marked._jsonata_function === true;
}

/**
 * Sets a field of a plain object, `__proto__` included (an own field, never the prototype).
 *
 * @param target - the object
 * @param key - the field's name
 * @param value - its value
 */
export function setField(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function compile(text: string, timeoutMs: number, scope: ExpressionScope): jsonata.Expression {
  const key = `${String(timeoutMs)}\u0000${text}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  let expression: jsonata.Expression;
  try {
    expression = jsonata(text, { timeout: timeoutMs, stack: MAX_DEPTH, sequence: MAX_SEQUENCE });
  } catch (error) {
    throw expressionError(text, scope, error, timeoutMs);
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, expression);
  return expression;
}

function expressionError(
  text: string,
  scope: ExpressionScope,
  error: unknown,
  timeoutMs: number,
): FlowlineError {
  const failure: JsonataFailure = typeof error === 'object' && error !== null ? error : {};
  const code = typeof failure.code === 'string' ? failure.code : undefined;
  const position = typeof failure.position === 'number' ? failure.position : undefined;
  let reason = typeof failure.message === 'string' ? failure.message : String(error);
  if (code === 'D1012') reason = `ran longer than ${String(timeoutMs)} ms`;
  if (code === 'D1011') reason = `recursed deeper than ${String(MAX_DEPTH)} levels`;
  const where = position === undefined ? '' : ` at position ${String(position)}`;
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return stageFailure(
    ErrorCode.EXPRESSION_FAILED,
    `stage "${scope.stage}": expression ${JSON.stringify(shown)} in props.${scope.prop} failed` +
      `${where}: ${reason}${code === undefined ? '' : ` (JSONata ${code})`}`,
    {
      stage: scope.stage,
      prop: scope.prop,
      expression: shown,
      position,
      jsonata: code,
      retryable: false,
    },
    error instanceof Error ? error : undefined,
  );
}
