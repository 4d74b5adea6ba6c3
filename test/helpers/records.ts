/**
 * Small stored records for adapter tests, positional shorthands over the public fixture builders
 * of `flowline/testing`.
 */
import type { PlanScoped } from '../../src/persistence/adapter.js';
import type { ActionRecord, PlanRecord, StepRecord } from '../../src/plan/records.js';
import type { PlanResult, PlanState, StepState } from '../../src/plan/states.js';
import { makeActionRecord, makePlanRecord } from '../../src/testing/fixtures.js';

/**
 * A plan record whose run flow is empty: it loads alone, or with the action and steps of
 * {@link actionRecord} and {@link stepRecord} (a run step need not be in the run flow). Stores
 * refuse to load a plan whose flows name steps that are not stored.
 */
export function planRecord(
  id: string,
  state: PlanState = 'planned',
  result: PlanResult = 'pending',
  label = 'Root',
): PlanRecord {
  return makePlanRecord(id, {
    state,
    result,
    label,
    runFlow: { type: 'concurrence', flows: [] },
  });
}

/** An action record (planned by step 1, run by step 2) with unicode and nested input. */
export function actionRecord(id: number): ActionRecord {
  return makeActionRecord(id, {
    input: { name: 'ünïcode ✓', nested: { list: [1, 2.5, -3e-7], empty: {} } },
  });
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
