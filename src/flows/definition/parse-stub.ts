// Placeholder until parseFlow lands (helper branch flows-definition).
import { ErrorCode, FlowlineError } from '../../errors.js';
import type { FlowDefinition } from './types.js';
import { parse } from 'yaml';

/** @internal */
export function parseFlowStub(source: unknown, _options?: unknown): FlowDefinition {
  const value: unknown = typeof source === 'string' ? parse(source) : source;
  if (typeof value !== 'object' || value === null) {
    throw new FlowlineError(ErrorCode.INVALID_FLOW_DEFINITION, 'not a flow');
  }
  return structuredClone(value) as FlowDefinition;
}
