import { describe, expect, it } from 'vitest';
import type { Phase, PlanState, StepState } from '../../src/plan/states.js';
import {
  PlanState as PlanStates,
  StepState as StepStates,
  assertPlanTransition,
  assertStepTransition,
  canTransitionPlan,
  canTransitionStep,
  compensateStepTransitions,
  finalizeStepTransitions,
  isStepDone,
  planStepTransitions,
  planTransitions,
  runStepTransitions,
} from '../../src/plan/states.js';
import { caughtFlowlineError as caught } from '../helpers/errors.js';

type Table<S extends string> = Partial<Record<S, readonly S[]>>;

// Copied from Dynflow (lib/dynflow/execution_plan.rb and lib/dynflow/execution_plan/steps/*_step.rb).
const dynflowPlan: Table<PlanState> = {
  pending: ['stopped', 'scheduled', 'planning'],
  scheduled: ['planning', 'stopped'],
  planning: ['planned', 'stopped'],
  planned: ['running', 'stopped'],
  running: ['paused', 'stopped'],
  paused: ['running', 'stopped'],
  stopped: [],
};

const dynflowPlanStep: Table<StepState> = {
  scheduling: ['pending', 'error', 'cancelled'],
  pending: ['running', 'error', 'cancelled'],
  running: ['success', 'error', 'cancelled'],
  success: [],
  suspended: [],
  skipped: [],
  cancelled: [],
  error: [],
};

const dynflowRunStep: Table<StepState> = {
  pending: ['running', 'skipped', 'error'],
  running: ['success', 'error', 'suspended'],
  success: ['suspended'],
  suspended: ['running', 'error'],
  skipping: ['error', 'skipped'],
  skipped: [],
  error: ['skipping', 'running'],
};

const dynflowFinalizeStep: Table<StepState> = {
  pending: ['running', 'skipped'],
  running: ['success', 'error'],
  success: ['pending'],
  suspended: [],
  skipped: [],
  error: ['pending', 'skipped'],
};

/** Flowline's documented extension: run steps can also be cancelled (pending|running|suspended). */
const flowlineRunExtras: Table<StepState> = {
  pending: ['cancelled'],
  running: ['cancelled'],
  suspended: ['cancelled'],
};

/**
 * Flowline's own compensate steps (no Dynflow counterpart): run once, retried from error on resume,
 * skipped by an operator, cancelled by halt/cancel before they run.
 */
const flowlineCompensateStep: Table<StepState> = {
  pending: ['running', 'cancelled'],
  running: ['success', 'error'],
  error: ['running', 'skipped'],
};

/** Flowline's documented extension: a finalize step that never ran is cancelled by halt/cancel. */
const flowlineFinalizeExtras: Table<StepState> = {
  pending: ['cancelled'],
};

const stepStates = Object.values(StepStates);
const planStates = Object.values(PlanStates);

function expected(phase: Phase, from: StepState): StepState[] {
  if (phase === 'plan') return [...(dynflowPlanStep[from] ?? [])];
  if (phase === 'compensate') return [...(flowlineCompensateStep[from] ?? [])];
  if (phase === 'finalize') {
    return [...(dynflowFinalizeStep[from] ?? []), ...(flowlineFinalizeExtras[from] ?? [])];
  }
  return [...(dynflowRunStep[from] ?? []), ...(flowlineRunExtras[from] ?? [])];
}

describe('state enums', () => {
  it('list the documented plan and step states', () => {
    expect(planStates).toEqual([
      'pending',
      'scheduled',
      'planning',
      'planned',
      'running',
      'paused',
      'stopped',
    ]);
    expect(stepStates.sort()).toEqual(
      [
        'scheduling',
        'pending',
        'running',
        'success',
        'suspended',
        'skipping',
        'skipped',
        'error',
        'cancelled',
      ].sort(),
    );
  });
});

describe('step transition tables', () => {
  const tables = {
    plan: planStepTransitions,
    run: runStepTransitions,
    finalize: finalizeStepTransitions,
    compensate: compensateStepTransitions,
  } as const;

  for (const phase of ['plan', 'run', 'finalize', 'compensate'] as const) {
    it(`${phase} step table equals Dynflow's (as sets; compensate: Flowline's own)`, () => {
      for (const from of stepStates) {
        expect([...tables[phase][from]].sort(), `${phase} ${from}`).toEqual(
          expected(phase, from).sort(),
        );
      }
    });

    it(`${phase} step: every legal move is allowed, every other move is refused`, () => {
      let legal = 0;
      for (const from of stepStates) {
        const allowed = expected(phase, from);
        for (const to of stepStates) {
          const ok = allowed.includes(to);
          expect(canTransitionStep(phase, from, to), `${phase} ${from} → ${to}`).toBe(ok);
          if (ok) {
            legal++;
            expect(() => {
              assertStepTransition(phase, from, to, { planId: 'p', stepId: 1 });
            }).not.toThrow();
          } else {
            const error = caught(() => {
              assertStepTransition(phase, from, to, { planId: 'p', stepId: 1 });
            });
            expect(error.code).toBe('ILLEGAL_STATE_TRANSITION');
          }
        }
      }
      expect(legal).toBeGreaterThan(0);
    });
  }

  it('the transitions the design names are legal', () => {
    // DESIGN §3: pending → running|skipped|error; running → success|error|suspended;
    // suspended → running|error; error → running|skipping; skipping → skipped|error.
    const runMoves: [StepState, StepState][] = [
      ['pending', 'running'],
      ['pending', 'skipped'],
      ['pending', 'error'],
      ['running', 'success'],
      ['running', 'error'],
      ['running', 'suspended'],
      ['suspended', 'running'],
      ['suspended', 'error'],
      ['error', 'running'],
      ['error', 'skipping'],
      ['skipping', 'skipped'],
      ['skipping', 'error'],
    ];
    for (const [from, to] of runMoves) expect(canTransitionStep('run', from, to)).toBe(true);
    expect(canTransitionStep('finalize', 'success', 'pending')).toBe(true);
  });

  it('sample illegal step moves throw ILLEGAL_STATE_TRANSITION naming plan and step', () => {
    const samples: [Phase, StepState, StepState][] = [
      ['run', 'success', 'running'],
      ['run', 'skipped', 'running'],
      ['run', 'pending', 'success'],
      ['run', 'error', 'success'],
      ['run', 'skipping', 'running'],
      ['finalize', 'pending', 'suspended'],
      ['finalize', 'running', 'suspended'],
      ['finalize', 'skipped', 'pending'],
      ['plan', 'success', 'running'],
      ['plan', 'pending', 'skipped'],
      ['plan', 'error', 'running'],
    ];
    for (const [phase, from, to] of samples) {
      const error = caught(() => {
        assertStepTransition(phase, from, to, { planId: 'plan-42', stepId: 7 });
      });
      expect(error.code).toBe('ILLEGAL_STATE_TRANSITION');
      expect(error.planId).toBe('plan-42');
      expect(error.stepId).toBe(7);
      expect(error.message).toContain('plan-42');
      expect(error.message).toContain('step 7');
      expect(error.message).toContain(from);
      expect(error.message).toContain(to);
      expect(error.message).toContain(phase);
    }
  });

  it('no state may move to itself', () => {
    for (const phase of ['plan', 'run', 'finalize', 'compensate'] as const) {
      for (const s of stepStates) expect(canTransitionStep(phase, s, s)).toBe(false);
    }
  });

  it('isStepDone is true exactly for success and skipped', () => {
    expect(stepStates.filter(isStepDone).sort()).toEqual(['skipped', 'success']);
  });
});

describe('plan transition table', () => {
  it("equals Dynflow's", () => {
    for (const from of planStates) {
      expect([...planTransitions[from]].sort(), from).toEqual(
        [...(dynflowPlan[from] ?? [])].sort(),
      );
    }
  });

  it('every legal move is allowed and every other one throws ILLEGAL_STATE_TRANSITION', () => {
    for (const from of planStates) {
      for (const to of planStates) {
        const ok = (dynflowPlan[from] ?? []).includes(to);
        if (ok) {
          expect(() => {
            assertPlanTransition(from, to, 'p');
          }, `${from} → ${to}`).not.toThrow();
        } else {
          const error = caught(() => {
            assertPlanTransition(from, to, 'plan-x');
          });
          expect(error.code, `${from} → ${to}`).toBe('ILLEGAL_STATE_TRANSITION');
          expect(error.planId).toBe('plan-x');
          expect(error.message).toContain('plan-x');
        }
      }
    }
  });

  it('stopped → running is allowed for a rollback only, and no other move is added', () => {
    expect(canTransitionPlan('stopped', 'running')).toBe(false);
    expect(canTransitionPlan('stopped', 'running', true)).toBe(true);
    expect(() => {
      assertPlanTransition('stopped', 'running', 'p', true);
    }).not.toThrow();
    for (const from of planStates) {
      for (const to of planStates) {
        if (from === 'stopped' && to === 'running') continue;
        expect(canTransitionPlan(from, to, true), `${from} → ${to}`).toBe(
          (dynflowPlan[from] ?? []).includes(to),
        );
      }
    }
  });

  it('sample illegal plan moves name the plan and both states', () => {
    const samples: [PlanState, PlanState][] = [
      ['stopped', 'running'],
      ['planned', 'paused'],
      ['pending', 'running'],
      ['running', 'planned'],
      ['paused', 'planning'],
    ];
    for (const [from, to] of samples) {
      const error = caught(() => {
        assertPlanTransition(from, to, 'abc-123');
      });
      expect(error.code).toBe('ILLEGAL_STATE_TRANSITION');
      expect(error.planId).toBe('abc-123');
      expect(error.stepId).toBeUndefined();
      expect(error.message).toContain('abc-123');
      expect(error.message).toContain(`${from} → ${to}`);
    }
  });
});
