import type { ValidateFunction } from 'ajv';
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { JsonObject, JsonValue } from '../../plan/records.js';
import type { StageActionClass } from '../flows-types.js';
import { actionPropsFindings } from './action-props.js';
import type { Finding, Locator } from './finding.js';
import { toViolations } from './finding.js';
import { graphFindings } from './graph-check.js';
import { invalidFlowError } from './invalid-flow.js';
import type { KnownActions } from './known-actions.js';
import { knownActions } from './known-actions.js';
import { mapViolations } from './map-check.js';
import { plainCopy } from './plain-json.js';
import flowSchema from './schema.json' with { type: 'json' };
import { compileSchema, schemaFindings } from './schema-check.js';
import { settingsFindings } from './settings-check.js';
import type { FlowDefinition, StageDefinition } from './types.js';
import { parseSource } from './yaml-source.js';

/** Options of {@link parseFlow}. */
export interface ParseFlowOptions {
  /** Shown in the error message as `file:line:column`. */
  readonly fileName?: string;
  /** The user's stage actions (`StageAction` subclasses), known besides the packaged ones. */
  readonly actions?: readonly StageActionClass[];
}

/**
 * Parses and validates a flow definition (DESIGN §6): YAML or JSON text, or an object already
 * parsed. Checks, in order: YAML syntax and duplicate keys; plain JSON data; the flow schema
 * (`flowline/flows/schema.json`: unknown fields, missing fields, wrong types); then, when the shape
 * is right, names and the graph (empty names, duplicate stage names, unknown actions, `out` naming
 * a missing stage or one twice, a cycle, not exactly one entry stage, unreachable stages), each
 * stage's props against its action's `propsSchema` and its stage settings (`$retry`, `$timeout`,
 * `$fallback`, `$input`), and `Map` / `Reduce` pairing.
 *
 * @param source - the flow's YAML or JSON text, or the flow as an object
 * @param options - the file name for messages, and the user's stage actions
 * @returns the definition: a deep-frozen plain copy holding exactly `name` and `stages`
 * @throws FlowlineError `INVALID_FLOW_DEFINITION` with every problem found in
 *   `details.violations` (`{ path, message, line?, column? }`, `path` a JSON pointer), each listed
 *   in the message as `file:line:column` (or `line L, column C` without a file name)
 * @example
 * ```ts
 * const flow = parseFlow(await readFile('flows/acme.yaml', 'utf8'), {
 *   fileName: 'flows/acme.yaml',
 *   actions: [Enrich],
 * });
 * ```
 */
export function parseFlow(source: unknown, options: ParseFlowOptions = {}): FlowDefinition {
  const known = knownActions(options.actions);
  let value: unknown = source;
  let locator: Locator | undefined;
  const findings: Finding[] = [];
  if (typeof source === 'string') {
    const parsed = parseSource(source);
    value = parsed.value;
    locator = parsed.locator;
    findings.push(...parsed.findings);
  }
  const fail = (): FlowlineError =>
    invalidFlowError(toViolations(findings, locator), flowNameOf(value), options.fileName);
  const copy = plainCopy(value);
  findings.push(...copy.findings);
  if (findings.length > 0) throw fail();
  const validate = flowValidator();
  if (!validate(copy.value)) {
    findings.push(...schemaFindings(validate.errors, '', { unknownHint }));
    throw fail();
  }
  const flow = copy.value as unknown as FlowDefinition;
  const graph = [...graphFindings(flow, known), ...propsFindings(flow, known)];
  findings.push(...graph);
  if (graph.length === 0) {
    const definition = freeze(flow);
    const maps = mapViolations(definition);
    if (maps.length === 0) return definition;
    findings.push(...maps);
  }
  throw fail();
}

function flowValidator(): ValidateFunction {
  const compiled = compileSchema(flowSchema);
  // The schema ships with the package: it compiles, or the build is broken.
  if (!compiled.ok) {
    throw new FlowlineError(
      ErrorCode.INVALID_ARGUMENT,
      `the flow schema does not compile: ${compiled.error}`,
    );
  }
  return compiled.validate;
}

function unknownHint(_instancePath: string, schemaPath: string): string {
  return schemaPath.startsWith('#/definitions/stage/')
    ? '(a stage has name, action, props and out)'
    : '(a flow has name and stages)';
}

/** Each stage's props against its action's schema, and its stage settings. */
function propsFindings(flow: FlowDefinition, known: KnownActions): Finding[] {
  const findings: Finding[] = [];
  for (const [index, stage] of flow.stages.entries()) {
    const base = `/stages/${index}/props`;
    findings.push(...settingsFindings(stage.props, base, known));
    const action = known.get(stage.action);
    if (action === undefined) continue;
    const props: JsonObject = {};
    for (const [key, prop] of Object.entries(stage.props))
      if (!key.startsWith('$')) props[key] = prop;
    findings.push(...actionPropsFindings(action, props, base));
  }
  return findings;
}

/** The definition as a deep-frozen copy with exactly `name` and `stages`. */
function freeze(flow: FlowDefinition): FlowDefinition {
  const stages = flow.stages.map((stage): StageDefinition =>
    Object.freeze({
      name: stage.name,
      action: stage.action,
      props: deepFreeze(stage.props) as JsonObject,
      out: Object.freeze([...stage.out]),
    }),
  );
  return Object.freeze({ name: flow.name, stages: Object.freeze(stages) });
}

function deepFreeze(value: JsonValue): JsonValue {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function flowNameOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  try {
    const name = (value as { name?: unknown }).name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
