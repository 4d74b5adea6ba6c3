/**
 * Helpers of the SQLite adapter tests: small records, temp directories, error assertions. They
 * do not load the World, so the adapter tests run on the adapter alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FlowlineError } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';
import type { PlanScoped } from '../../../src/persistence/adapter.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../../src/plan/records.js';
import { SCHEMA_VERSION } from '../../../src/plan/records.js';
import type { PlanResult, PlanState, StepState } from '../../../src/plan/states.js';

/** A plan record with one run step (2) in its run flow. */
export function planRecord(
  id: string,
  state: PlanState = 'planned',
  result: PlanResult = 'pending',
  label = 'Root',
): PlanRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    id,
    label,
    state,
    result,
    progress: 0,
    rootActionId: 1,
    runFlow: { type: 'concurrence', flows: [{ type: 'atom', stepId: 2 }] },
    finalizeFlow: { type: 'sequence', flows: [] },
    history: [{ at: '2024-01-01T00:00:00.000Z', event: 'planned', worldId: 'w' }],
  };
}

/** An action record with unicode and nested input. */
export function actionRecord(id: number): ActionRecord {
  return {
    id,
    className: 'Root',
    input: { name: 'ünïcode ✓', nested: { list: [1, 2.5, -3e-7], empty: {} } },
    output: {},
    planStepId: 1,
    runStepId: 2,
  };
}

/** A step record of action 1. */
export function stepRecord(
  id: number,
  state: StepState,
  phase: StepRecord['phase'] = 'run',
): StepRecord {
  return { id, actionId: 1, className: 'Root', phase, state, progress: 0, progressWeight: 1 };
}

/** `{ planId, record }`. */
export function scoped<T>(planId: string, record: T): PlanScoped<T> {
  return { planId, record };
}

/** Fresh temp directories, removed with everything in them by `removeAll`. */
export function tempDirs(): { make(): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(join(tmpdir(), 'flowline-sqlite-'));
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a promise rejected with (fails the test if it resolved). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** What a synchronous call threw (fails the test if it did not throw). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Asserts that `error` is a {@link FlowlineError} with `code`, and returns it typed. */
export function expectFlowlineError(error: unknown, code: ErrorCode): FlowlineError {
  expect(error).toBeInstanceOf(FlowlineError);
  const flowline = error as FlowlineError;
  expect(flowline.code, flowline.message).toBe(code);
  return flowline;
}
