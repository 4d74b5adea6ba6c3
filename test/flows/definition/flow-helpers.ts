import { expect } from 'vitest';
import { ErrorCode, FlowlineError } from '../../../src/errors.js';
import { parseFlow } from '../../../src/flows/index.js';
import type { FlowViolation, ParseFlowOptions } from '../../../src/flows/index.js';
import type { JsonObject } from '../../../src/plan/records.js';
import { actions } from './stage-actions.js';

/** A stage as plain data, `Log` with no props and no `out` unless given. */
export function stage(name: string, out: string[] = [], rest: JsonObject = {}): JsonObject {
  return { name, action: 'Log', props: {}, out, ...rest };
}

/** The error `parseFlow` throws for a source (fails the test when it accepts it). */
export function parseError(source: unknown, options: ParseFlowOptions = {}): FlowlineError {
  try {
    parseFlow(source, { actions, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    expect((error as FlowlineError).code).toBe(ErrorCode.INVALID_FLOW_DEFINITION);
    return error as FlowlineError;
  }
  throw new Error('the flow was accepted');
}

/** The violations `parseFlow` finds in a source. */
export function violations(source: unknown, options: ParseFlowOptions = {}): FlowViolation[] {
  return [...(parseError(source, options).details?.violations ?? [])];
}

/** The paths of those violations. */
export function paths(source: unknown, options: ParseFlowOptions = {}): string[] {
  return violations(source, options).map((violation) => violation.path);
}
