import type { JsonObject, JsonValue } from '../../plan/records.js';
import { actionPropsFindings, unknownActionFinding } from './action-props.js';
import type { Finding } from './finding.js';
import type { KnownActions } from './known-actions.js';
import { childPointer } from './pointer.js';
import { kindOf, schemaProblem } from './schema-check.js';
import { STAGE_SETTING_KEYS } from './settings.js';

const SETTINGS = `stage settings are ${STAGE_SETTING_KEYS.slice(0, -1).join(', ')} and ${STAGE_SETTING_KEYS.at(-1) ?? ''}`;
const RETRY_FIELDS = ['retries', 'factor', 'minTimeout', 'maxTimeout'];

/**
 * The findings of a stage's settings: the `$` keys of its props (see `STAGE_SETTING_KEYS`).
 *
 * @param base - the JSON pointer of the props
 * @internal
 */
export function settingsFindings(props: JsonObject, base: string, known: KnownActions): Finding[] {
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(props)) {
    if (!key.startsWith('$')) continue;
    const path = childPointer(base, key);
    switch (key) {
      case '$retry':
        findings.push(...retryFindings(value, path));
        break;
      case '$timeout':
        if (typeof value !== 'number' || !(value > 0)) {
          findings.push({
            path,
            message: `must be a positive number of milliseconds (found ${found(value)})`,
          });
        }
        break;
      case '$fallback':
        findings.push(...fallbackFindings(value, path, known));
        break;
      case '$input':
        findings.push(...inputFindings(value, path));
        break;
      default:
        findings.push({
          path,
          at: 'key',
          message: `unknown stage setting ${JSON.stringify(key)} (${SETTINGS})`,
        });
    }
  }
  return findings;
}

function retryFindings(value: JsonValue, path: string): Finding[] {
  if (value === false) return [];
  if (!isObject(value)) {
    return [
      {
        path,
        message: `must be false or { retries, factor?, minTimeout?, maxTimeout? } (found ${found(value)})`,
      },
    ];
  }
  const findings = unknownFields(
    value,
    path,
    RETRY_FIELDS,
    '$retry has retries, factor, minTimeout and maxTimeout',
  );
  const { retries, factor, minTimeout, maxTimeout } = value;
  if (retries === undefined) findings.push({ path, message: 'missing field "retries"' });
  else if (!Number.isInteger(retries) || (retries as number) < 0) {
    findings.push({
      path: `${path}/retries`,
      message: `must be an integer, 0 or more (found ${found(retries)})`,
    });
  }
  if (factor !== undefined && !(typeof factor === 'number' && factor > 0)) {
    findings.push({
      path: `${path}/factor`,
      message: `must be a number greater than 0 (found ${found(factor)})`,
    });
  }
  for (const [name, limit] of [
    ['minTimeout', minTimeout],
    ['maxTimeout', maxTimeout],
  ] as const) {
    if (limit !== undefined && !(typeof limit === 'number' && limit >= 0)) {
      findings.push({
        path: `${path}/${name}`,
        message: `must be a number of milliseconds, 0 or more (found ${found(limit)})`,
      });
    }
  }
  if (typeof minTimeout === 'number' && typeof maxTimeout === 'number' && minTimeout > maxTimeout) {
    findings.push({
      path: `${path}/minTimeout`,
      message: `must not be greater than maxTimeout (${maxTimeout})`,
    });
  }
  return findings;
}

function fallbackFindings(value: JsonValue, path: string, known: KnownActions): Finding[] {
  if (!isObject(value)) {
    return [{ path, message: `must be { action, props? } (found ${found(value)})` }];
  }
  const findings = unknownFields(
    value,
    path,
    ['action', 'props'],
    '$fallback has action and props',
  );
  const { action, props } = value;
  if (action === undefined) findings.push({ path, message: 'missing field "action"' });
  else if (typeof action !== 'string') {
    findings.push({ path: `${path}/action`, message: `must be a string (found ${found(action)})` });
  } else {
    const unknown = unknownActionFinding(action, `${path}/action`, known);
    if (unknown !== undefined) findings.push(unknown);
  }
  if (props === undefined) return findings;
  if (!isObject(props)) {
    findings.push({ path: `${path}/props`, message: `must be an object (found ${found(props)})` });
    return findings;
  }
  for (const key of Object.keys(props)) {
    if (key.startsWith('$')) {
      findings.push({
        path: childPointer(path, 'props', key),
        at: 'key',
        message: 'stage settings do not apply to a fallback: no $ keys in its props',
      });
    }
  }
  const fallback = typeof action === 'string' ? known.get(action) : undefined;
  if (fallback !== undefined)
    findings.push(...actionPropsFindings(fallback, props, `${path}/props`));
  return findings;
}

function inputFindings(value: JsonValue, path: string): Finding[] {
  if (typeof value !== 'boolean' && !isObject(value)) {
    return [
      { path, message: `must be a JSON schema: an object or a boolean (found ${found(value)})` },
    ];
  }
  const problem = schemaProblem(value);
  return problem === undefined
    ? []
    : [{ path, message: `is not a valid JSON schema (draft-07): ${problem}` }];
}

function unknownFields(
  value: JsonObject,
  path: string,
  allowed: readonly string[],
  hint: string,
): Finding[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      path: childPointer(path, key),
      at: 'key' as const,
      message: `unknown field ${JSON.stringify(key)} (${hint})`,
    }));
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function found(value: JsonValue | undefined): string {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : kindOf(value);
}
