import { expect } from 'vitest';
import { FlowlineError } from '../../src/index.js';

/** Runs `fn`, which must throw a FlowlineError synchronously, and returns that error. */
export function caughtFlowlineError(fn: () => unknown): FlowlineError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowlineError);
    return error as FlowlineError;
  }
  throw new Error('expected a FlowlineError, nothing was thrown');
}
