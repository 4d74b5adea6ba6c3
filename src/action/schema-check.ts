import type { ErrorCode, ValidationIssue } from '../errors.js';
import { FlowlineError, textOf } from '../errors.js';
import { isThenable } from '../shared/is-thenable.js';
import { isStandardSchema } from './standard-schema.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** How a value fared against a schema: the schema's output, or the issues found. @internal */
export type SchemaCheck =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** The most issues a message lists (`details.issues` holds them all, up to {@link MAX_ISSUES}). */
const LISTED_ISSUES = 10;
/** The most issues kept on an error. */
const MAX_ISSUES = 100;

/**
 * Checks `value` against a Standard Schema: synchronously when the schema's `validate` is, else
 * through a promise. A `validate` that throws throws (or rejects) with what it threw.
 *
 * @internal
 */
export function checkSchema(
  schema: StandardSchemaV1,
  value: unknown,
): SchemaCheck | Promise<SchemaCheck> {
  const result: unknown = schema['~standard'].validate(value);
  return isThenable(result) ? Promise.resolve(result).then(toCheck) : toCheck(result);
}

function toCheck(result: unknown): SchemaCheck {
  if (typeof result !== 'object' || result === null) {
    return {
      ok: false,
      issues: [{ path: [], message: `the schema's validate returned ${textOf(result)}` }],
    };
  }
  const { issues, value } = result as { issues?: unknown; value?: unknown };
  if (issues === undefined) return { ok: true, value };
  const list: readonly unknown[] = Array.isArray(issues) ? issues : [issues];
  return { ok: false, issues: list.slice(0, MAX_ISSUES).map(toIssue) };
}

function toIssue(issue: unknown): ValidationIssue {
  if (typeof issue === 'string') return { path: [], message: issue };
  const { message, path } = (typeof issue === 'object' && issue !== null ? issue : {}) as {
    message?: unknown;
    path?: unknown;
  };
  const keys: (string | number)[] = [];
  if (Array.isArray(path)) {
    for (const segment of path as unknown[]) {
      const key: unknown =
        typeof segment === 'object' && segment !== null
          ? (segment as { key?: unknown }).key
          : segment;
      keys.push(typeof key === 'number' ? key : typeof key === 'string' ? key : textOf(key));
    }
  }
  return { path: keys, message: typeof message === 'string' ? message : textOf(message) };
}

/** An issue's path as text: `items.0.sku`, or `(root)` for the value itself. @internal */
export function pathText(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(root)' : path.join('.');
}

/**
 * The error for a value a schema refused: `what` does not match, then the issues (path: message),
 * all of them in `details.issues`.
 *
 * @param what - the value and where it is: `input of Charge (action 2)`
 * @param schema - which static: `static input` / `static output`
 * @internal
 */
export function schemaError(
  code: ErrorCode,
  what: string,
  schema: string,
  issues: readonly ValidationIssue[],
  where: { planId?: string; actionId?: number; stepId?: number },
): FlowlineError {
  const listed = issues
    .slice(0, LISTED_ISSUES)
    .map((issue) => `${pathText(issue.path)}: ${issue.message}`);
  if (issues.length > LISTED_ISSUES) listed.push(`… and ${issues.length - LISTED_ISSUES} more`);
  return new FlowlineError(
    code,
    `${what} does not match its ${schema} schema: ${listed.join('; ')}`,
    { ...where, details: { issues } },
  );
}

/** Where a checked value belongs, for messages and the error's fields. @internal */
export interface CheckedValue {
  readonly className: string;
  readonly planId: string;
  readonly actionId: number;
  readonly stepId?: number;
}

/**
 * The `static input` or `static output` schema of an action class, when it has one (a value that is
 * not a schema was refused at registration; one assigned since is ignored here).
 *
 * @internal
 */
export function schemaOf(cls: object, key: 'input' | 'output'): StandardSchemaV1 | undefined {
  const schema: unknown = (cls as { input?: unknown; output?: unknown })[key];
  return isStandardSchema(schema) ? schema : undefined;
}

/**
 * Checks an action's input or output against its schema and returns the value to keep: the
 * schema's output (defaults and transforms applied), which must still be a plain object. Issues
 * whose path leads to or through a place in `skip` (output references not resolved yet) do not
 * count, and then the value is kept as given.
 *
 * @returns the value to keep, or a promise of it for an async schema
 * @throws FlowlineError `INVALID_INPUT` / `INVALID_OUTPUT` listing the issues (or rejects with it)
 * @internal
 */
export function checkAgainst(
  schema: StandardSchemaV1,
  value: object,
  kind: 'input' | 'output',
  at: CheckedValue,
  skip: readonly (readonly (string | number)[])[] = [],
): object | Promise<object> {
  const decide = (check: SchemaCheck): object => {
    const what = `${kind} of ${at.className} (action ${at.actionId})`;
    if (check.ok) {
      if (skip.length > 0) return value;
      const output = check.value;
      if (typeof output !== 'object' || output === null || Array.isArray(output)) {
        throw schemaError(
          code(kind),
          what,
          `static ${kind}`,
          [{ path: [], message: `the schema's output is ${textOf(output)}, not an object` }],
          where(at),
        );
      }
      return output;
    }
    const issues = check.issues.filter((issue) => !skip.some((path) => related(issue.path, path)));
    if (issues.length === 0) return value;
    throw schemaError(code(kind), what, `static ${kind}`, issues, where(at));
  };
  const check = checkSchema(schema, value);
  return check instanceof Promise ? check.then(decide) : decide(check);
}

function code(kind: 'input' | 'output'): ErrorCode {
  return kind === 'input' ? 'INVALID_INPUT' : 'INVALID_OUTPUT';
}

function where(at: CheckedValue): { planId: string; actionId: number; stepId?: number } {
  return at.stepId === undefined
    ? { planId: at.planId, actionId: at.actionId }
    : { planId: at.planId, actionId: at.actionId, stepId: at.stepId };
}

/** Whether one path leads to or through the other. */
function related(a: readonly (string | number)[], b: readonly (string | number)[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (String(a[i]) !== String(b[i])) return false;
  return true;
}
