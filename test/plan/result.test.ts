import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/plan/records.js';
import { computeProgress, computeResult } from '../../src/plan/result.js';
import type { Phase, StepState } from '../../src/plan/states.js';

let nextId = 1;
function step(
  state: StepState,
  phase: Phase = 'run',
  extra: Partial<Pick<StepRecord, 'progress' | 'progressWeight'>> = {},
): StepRecord {
  const id = nextId++;
  return {
    id,
    actionId: id,
    className: 'A',
    phase,
    state,
    progress: extra.progress ?? 0,
    progressWeight: extra.progressWeight ?? 1,
  };
}

describe('computeResult', () => {
  it('is success when every step succeeded', () => {
    expect(
      computeResult([step('success', 'plan'), step('success'), step('success', 'finalize')]),
    ).toBe('success');
  });

  it('is success for no steps at all', () => {
    expect(computeResult([])).toBe('success');
  });

  it('cancelled wins over error, warning and pending', () => {
    expect(
      computeResult([step('error'), step('skipped'), step('pending'), step('cancelled')]),
    ).toBe('cancelled');
    expect(computeResult([step('cancelled', 'plan'), step('success')])).toBe('cancelled');
  });

  it('error wins over warning and pending', () => {
    expect(computeResult([step('skipped'), step('pending'), step('error'), step('success')])).toBe(
      'error',
    );
    expect(computeResult([step('error', 'plan'), step('pending')])).toBe('error');
  });

  it('skipped or skipping give warning, even with pending steps', () => {
    expect(computeResult([step('success'), step('skipped')])).toBe('warning');
    expect(computeResult([step('skipping'), step('pending')])).toBe('warning');
  });

  it('is pending while a step has not finished', () => {
    for (const state of ['pending', 'running', 'suspended', 'scheduling'] as const) {
      expect(computeResult([step('success'), step(state)]), state).toBe('pending');
    }
  });
});

describe('computeResult of a plan being rolled back', () => {
  it('is judged by its compensate steps alone: pending, then error or cancelled', () => {
    const forward = [step('success'), step('error'), step('cancelled')];
    expect(
      computeResult(
        [...forward, step('success', 'compensate'), step('pending', 'compensate')],
        true,
      ),
    ).toBe('pending');
    expect(
      computeResult([...forward, step('error', 'compensate'), step('pending', 'compensate')], true),
    ).toBe('error');
    expect(
      computeResult(
        [...forward, step('success', 'compensate'), step('skipped', 'compensate')],
        true,
      ),
    ).toBe('cancelled');
    // Halted mid-rollback: what did not run is cancelled, and so is the plan.
    expect(
      computeResult(
        [...forward, step('success', 'compensate'), step('cancelled', 'compensate')],
        true,
      ),
    ).toBe('cancelled');
    // Nothing to compensate: rolled back at once.
    expect(computeResult(forward, true)).toBe('cancelled');
  });

  it('compensate steps do not count toward progress', () => {
    expect(computeProgress([step('success'), step('pending'), step('success', 'compensate')])).toBe(
      0.5,
    );
  });
});

describe('computeProgress', () => {
  it('ignores plan steps', () => {
    expect(computeProgress([step('pending', 'plan'), step('success'), step('pending')])).toBe(0.5);
  });

  it('counts success and skipped as done whatever their progress field says', () => {
    expect(
      computeProgress([step('success', 'run', { progress: 0 }), step('skipped', 'finalize')]),
    ).toBe(1);
  });

  it('uses the progress of unfinished steps', () => {
    expect(
      computeProgress([
        step('running', 'run', { progress: 0.5 }),
        step('pending'),
        step('error', 'run', { progress: 0.25 }),
        step('pending', 'finalize'),
      ]),
    ).toBeCloseTo(0.75 / 4, 10);
  });

  it('weights each step by progressWeight', () => {
    // (3·1 + 1·0) / 4
    expect(
      computeProgress([
        step('success', 'run', { progressWeight: 3 }),
        step('pending', 'finalize', { progressWeight: 1 }),
      ]),
    ).toBe(0.75);
    // (2·0.5 + 2·1) / 4
    expect(
      computeProgress([
        step('running', 'run', { progressWeight: 2, progress: 0.5 }),
        step('skipped', 'run', { progressWeight: 2 }),
      ]),
    ).toBe(0.75);
  });

  it('without run or finalize steps, is 1 only when every plan step succeeded', () => {
    expect(computeProgress([])).toBe(1);
    expect(computeProgress([step('success', 'plan'), step('success', 'plan')])).toBe(1);
    expect(computeProgress([step('success', 'plan'), step('running', 'plan')])).toBe(0);
    expect(computeProgress([step('error', 'plan')])).toBe(0);
  });
});
