import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/plan/records.js';
import { stepsToSkip } from '../../src/plan/skip.js';
import type { Phase, StepState } from '../../src/plan/states.js';

interface StepSpec {
  action: number;
  phase: Phase;
  state: StepState;
  requires?: number[];
}

/** Builds steps with ids 1..n and the lookups stepsToSkip needs. */
function plan(specs: StepSpec[]): {
  steps: StepRecord[];
  finalizeStepOf: (actionId: number) => number | undefined;
  dependentsOf: (stepId: number) => readonly number[];
} {
  const steps = specs.map((spec, i): StepRecord => {
    const step: StepRecord = {
      id: i + 1,
      actionId: spec.action,
      className: `A${spec.action}`,
      phase: spec.phase,
      state: spec.state,
      progress: 0,
      progressWeight: 1,
    };
    if (spec.requires !== undefined) step.requires = spec.requires;
    return step;
  });
  const finalize = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  for (const step of steps) {
    if (step.phase === 'finalize') finalize.set(step.actionId, step.id);
    for (const required of step.requires ?? []) {
      dependents.set(required, [...(dependents.get(required) ?? []), step.id]);
    }
  }
  return {
    steps,
    finalizeStepOf: (actionId) => finalize.get(actionId),
    dependentsOf: (stepId) => dependents.get(stepId) ?? [],
  };
}

function skipIds(
  p: ReturnType<typeof plan>,
  failedId: number,
): { failed: number; dependents: number[] } {
  const failed = p.steps[failedId - 1] as StepRecord;
  const dependents = stepsToSkip(failed, p.steps, p.finalizeStepOf, p.dependentsOf);
  return { failed: failed.id, dependents: dependents.map((s) => s.id) };
}

describe('stepsToSkip', () => {
  const scenario = (): ReturnType<typeof plan> =>
    plan([
      /* 1 */ { action: 1, phase: 'plan', state: 'success' },
      /* 2 */ { action: 2, phase: 'run', state: 'error' }, // the failed step
      /* 3 */ { action: 3, phase: 'run', state: 'pending', requires: [2] },
      /* 4 */ { action: 4, phase: 'run', state: 'pending', requires: [3] }, // transitive
      /* 5 */ { action: 5, phase: 'run', state: 'pending' }, // merely follows 2
      /* 6 */ { action: 6, phase: 'run', state: 'error', requires: [2] }, // not pending
      /* 7 */ { action: 2, phase: 'finalize', state: 'pending' },
      /* 8 */ { action: 3, phase: 'finalize', state: 'pending' },
      /* 9 */ { action: 5, phase: 'finalize', state: 'pending' },
      /* 10 */ { action: 7, phase: 'run', state: 'pending', requires: [6] },
      /* 11 */ { action: 4, phase: 'finalize', state: 'success' }, // not pending
    ]);

  it('takes the transitive referencing run steps and the finalize steps of those actions', () => {
    const { failed, dependents } = skipIds(scenario(), 2);
    expect(failed).toBe(2);
    expect([...dependents].sort((x, y) => x - y)).toEqual([3, 4, 7, 8]);
  });

  it('lists each dependent once, in breadth-first order from the failed step', () => {
    expect(skipIds(scenario(), 2).dependents).toEqual([7, 3, 8, 4]);
  });

  it('leaves steps that merely follow, failed dependents and their dependents alone', () => {
    const { dependents } = skipIds(scenario(), 2);
    expect(dependents).not.toContain(5); // no reference
    expect(dependents).not.toContain(9); // finalize of an unrelated action
    expect(dependents).not.toContain(6); // failed itself, not pending
    expect(dependents).not.toContain(10); // depends on 6 only
    expect(dependents).not.toContain(11); // finalize already done
  });

  it('a diamond of references yields each step once', () => {
    const p = plan([
      /* 1 */ { action: 1, phase: 'run', state: 'error' },
      /* 2 */ { action: 2, phase: 'run', state: 'pending', requires: [1] },
      /* 3 */ { action: 3, phase: 'run', state: 'pending', requires: [1] },
      /* 4 */ { action: 4, phase: 'run', state: 'pending', requires: [2, 3] },
      /* 5 */ { action: 4, phase: 'finalize', state: 'pending' },
    ]);
    const { dependents } = skipIds(p, 1);
    expect([...dependents].sort((x, y) => x - y)).toEqual([2, 3, 4, 5]);
    expect(new Set(dependents).size).toBe(dependents.length);
  });

  it('a failed step without dependents or finalize takes nothing with it', () => {
    const p = plan([
      { action: 1, phase: 'run', state: 'error' },
      { action: 2, phase: 'run', state: 'pending' },
    ]);
    expect(skipIds(p, 1).dependents).toEqual([]);
  });

  it("takes the failed step's own pending finalize step", () => {
    const p = plan([
      { action: 1, phase: 'run', state: 'error' },
      { action: 1, phase: 'finalize', state: 'pending' },
    ]);
    expect(skipIds(p, 1).dependents).toEqual([2]);
  });

  it('a failed finalize step takes nothing with it', () => {
    const p = plan([
      { action: 1, phase: 'run', state: 'success' },
      { action: 2, phase: 'run', state: 'success', requires: [1] },
      { action: 1, phase: 'finalize', state: 'error' },
      { action: 2, phase: 'finalize', state: 'pending' },
    ]);
    expect(skipIds(p, 3).dependents).toEqual([]);
  });
});
