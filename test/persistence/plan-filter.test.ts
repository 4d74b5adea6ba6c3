import { describe, expect, it } from 'vitest';
import type { PlanFilter } from '../../src/persistence/adapter.js';
import { checkPlanFilter, parentColumns } from '../../src/persistence/plan-filter.js';
import type { PlanRecord } from '../../src/plan/records.js';
import { makePlanRecord } from '../../src/testing/fixtures.js';
import { expectFlowlineError, thrownBy } from '../helpers/world.js';

const ABSENT = Symbol('absent');

/** Candidate `parent.planId` values, each with whether it is valid. */
const PLAN_IDS: readonly (readonly [unknown, boolean])[] = [
  ['p1', true],
  ['a plan id with spaces ✓', true],
  [' ', true],
  ['', false],
  [7, false],
  [null, false],
  [undefined, false],
  [['p1'], false],
  [{ id: 'p1' }, false],
  [true, false],
  [ABSENT, false],
];

/** Candidate `parent.stepId` values, each with whether it is valid (absent is). */
const STEP_IDS: readonly (readonly [unknown, boolean])[] = [
  [ABSENT, true],
  [1, true],
  [2, true],
  [Number.MAX_SAFE_INTEGER, true],
  [0, false],
  [-1, false],
  [1.5, false],
  [Number.NaN, false],
  [Number.POSITIVE_INFINITY, false],
  [Number.MAX_SAFE_INTEGER + 1, false],
  ['2', false],
  [null, false],
  [2n, false],
  [[2], false],
  [{}, false],
];

function parentOf(planId: unknown, stepId: unknown): Record<string, unknown> {
  return {
    ...(planId === ABSENT ? {} : { planId }),
    ...(stepId === ABSENT ? {} : { stepId }),
  };
}

function label(value: unknown): string {
  if (value === ABSENT) return 'absent';
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  return typeof value === 'number' ? String(value) : JSON.stringify(value);
}

describe('checkPlanFilter', () => {
  // Every combination of the candidates: valid exactly when both parts are.
  const combinations = PLAN_IDS.flatMap(([planId, planIdOk]) =>
    STEP_IDS.map(([stepId, stepIdOk]) => ({ planId, planIdOk, stepId, stepIdOk })),
  );

  it.each(combinations.map((c) => [label(c.planId), label(c.stepId), c] as const))(
    'parent { planId: %s, stepId: %s }',
    (_planId, _stepId, { planId, planIdOk, stepId, stepIdOk }) => {
      const filter = { parent: parentOf(planId, stepId) } as unknown as PlanFilter;
      const check = (): void => checkPlanFilter(filter, 'findPlans');
      if (planIdOk && stepIdOk) {
        expect(check).not.toThrow();
        return;
      }
      const field = planIdOk ? 'parent.stepId' : 'parent.planId';
      const flowline = expectFlowlineError(thrownBy(check), 'INVALID_ARGUMENT');
      expect(flowline.message).toMatch(new RegExp(`^findPlans filter ${field} must be `));
    },
  );

  it.each([null, 'p1', 42, true, ['p1', 2], () => 'p1'])(
    'a parent that is not an object (%s) is refused naming parent',
    (parent) => {
      const filter = { parent } as unknown as PlanFilter;
      const error = expectFlowlineError(
        thrownBy(() => checkPlanFilter(filter, 'executionPlans')),
        'INVALID_ARGUMENT',
      );
      expect(error.message).toMatch(/^executionPlans filter parent must be an object/);
    },
  );

  it.each([
    ['limit', -1],
    ['limit', 1.5],
    ['offset', Number.NaN],
    ['offset', '1'],
  ])('%s %s is refused as before', (field, value) => {
    const filter = { [field]: value } as unknown as PlanFilter;
    const error = expectFlowlineError(
      thrownBy(() => checkPlanFilter(filter, 'findPlans')),
      'INVALID_ARGUMENT',
    );
    expect(error.message).toContain(`findPlans filter ${field} must be a non-negative integer`);
  });

  it('accepts every well-formed filter, and no filter', () => {
    for (const filter of [
      {},
      { limit: 0, offset: 0 },
      { state: 'running', result: ['error'], label: 'x', limit: 10, offset: 5 },
      { parent: { planId: 'p1' } },
      { parent: { planId: 'p1', stepId: 3 }, state: ['stopped'], limit: 1 },
    ] satisfies PlanFilter[]) {
      expect(() => checkPlanFilter(filter, 'findPlans')).not.toThrow();
    }
  });
});

describe('parentColumns', () => {
  const withParent = (parent: unknown): PlanRecord =>
    ({ ...makePlanRecord('c1'), parent }) as unknown as PlanRecord;

  it.each([
    ['no parent', makePlanRecord('p1'), null, null],
    ['a parent', withParent({ planId: 'p1', stepId: 2 }), 'p1', 2],
    ['a parent without stepId', withParent({ planId: 'p1' }), 'p1', null],
    ['a fractional stepId', withParent({ planId: 'p1', stepId: 2.5 }), 'p1', null],
    ['a string stepId', withParent({ planId: 'p1', stepId: '2' }), 'p1', null],
    ['a numeric planId', withParent({ planId: 7, stepId: 2 }), null, null],
    ['a null parent', withParent(null), null, null],
    ['a string parent', withParent('p1'), null, null],
  ])('%s', (_, plan, parentPlanId, parentStepId) => {
    expect(parentColumns(plan)).toEqual({ parentPlanId, parentStepId });
  });
});
