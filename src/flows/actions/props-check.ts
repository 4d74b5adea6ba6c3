/**
 * Checks a packaged stage action's props against its `propsSchema` when it runs. A saved flow's
 * props were checked already; this keeps an action from misbehaving on props that bypassed that
 * (a stage action run directly, a fallback, a test): such props fail the stage with one clear
 * error instead of a `TypeError` somewhere inside.
 */
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { ErrorCode } from '../../errors.js';
import type { JsonObject } from '../../plan/records.js';
import type { JsonSchema } from '../stage-action.js';
import { stageFailure } from './stage-error.js';

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new WeakMap<object, ValidateFunction>();

/** The statics of a stage action class that the check reads. */
interface SchemaHolder {
  readonly actionName?: string;
  readonly propsSchema?: JsonSchema;
}

/**
 * Throws unless `props` match the action's props schema.
 *
 * @param action - the running stage action (its class gives the schema)
 * @param stage - the stage's name
 * @param props - its props, stage settings removed
 * @throws FlowlineError `INVALID_ARGUMENT` naming the stage and each mismatch
 *   (`details.issues`, `retryable: false`)
 */
export function checkProps(action: object, stage: string, props: unknown): void {
  const cls = action.constructor as SchemaHolder;
  const schema = cls.propsSchema;
  if (schema === undefined) return;
  let validate = compiled.get(cls);
  if (validate === undefined) {
    validate = ajv.compile(schema);
    compiled.set(cls, validate);
  }
  if (validate(props)) return;
  const issues = (validate.errors ?? []).map((error) => {
    const path = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/');
    const extra =
      typeof error.params.additionalProperty === 'string'
        ? ` (${JSON.stringify(error.params.additionalProperty)})`
        : '';
    return { path: path.map(unescape), message: `${error.message ?? 'is invalid'}${extra}` };
  });
  const list = issues
    .map((issue) => `${issue.path.length === 0 ? 'props' : issue.path.join('.')} ${issue.message}`)
    .join('; ');
  const facts: JsonObject = { issues };
  throw stageFailure(
    ErrorCode.INVALID_ARGUMENT,
    `stage "${stage}" (${cls.actionName ?? 'stage action'}): props do not match the schema: ${list}`,
    { ...facts, retryable: false },
  );
}

/** A JSON pointer segment as the key it names. */
function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
