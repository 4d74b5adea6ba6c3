import type { JsonObject } from '../../plan/records.js';
import type { StageActionClass } from '../flows-types.js';
import type { Finding } from './finding.js';
import type { KnownActions } from './known-actions.js';
import { knownList, stageActionName } from './known-actions.js';
import { compileSchema, schemaFindings } from './schema-check.js';

/**
 * The findings of checking props against the `static propsSchema` of the stage action that gets
 * them (none when it has no schema).
 *
 * @param base - the JSON pointer of the props in the flow definition
 * @internal
 */
export function actionPropsFindings(
  action: StageActionClass,
  props: JsonObject,
  base: string,
): Finding[] {
  const schema = action.propsSchema;
  if (schema === undefined) return [];
  const name = JSON.stringify(stageActionName(action));
  const compiled = compileSchema(schema);
  if (!compiled.ok) {
    return [
      { path: base, message: `the propsSchema of action ${name} is invalid: ${compiled.error}` },
    ];
  }
  if (compiled.validate(props)) return [];
  return schemaFindings(compiled.validate.errors, base, { prefix: `action ${name} props: ` });
}

/**
 * The finding for an action name no known stage action has, else `undefined`.
 *
 * @internal
 */
export function unknownActionFinding(
  name: string,
  path: string,
  known: KnownActions,
): Finding | undefined {
  if (known.has(name)) return undefined;
  return { path, message: `unknown action ${JSON.stringify(name)} ${knownList(known)}` };
}
