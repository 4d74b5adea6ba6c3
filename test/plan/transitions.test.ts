import { describe, expect, it } from 'vitest';
import { FlowlineError } from '../../src/errors.js';
import type { PlanRecord, StepRecord } from '../../src/plan/records.js';
import { SCHEMA_VERSION } from '../../src/plan/records.js';
import type { StateListener } from '../../src/plan/transitions.js';
import { changePlanState, changeStepState } from '../../src/plan/transitions.js';

function recorder(): StateListener & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    step: (planId, step) => seen.push(`${planId}/${step.id}:${step.state}`),
    plan: (plan) => seen.push(`${plan.id}:${plan.state}`),
  };
}

function runStep(state: StepRecord['state'] = 'pending'): StepRecord {
  return {
    id: 3,
    actionId: 2,
    className: 'A',
    phase: 'run',
    state,
    progress: 0,
    progressWeight: 1,
  };
}

function plan(): PlanRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    id: 'p',
    label: 'A',
    state: 'pending',
    result: 'pending',
    progress: 0,
    rootActionId: 1,
    runFlow: { type: 'concurrence', flows: [] },
    finalizeFlow: { type: 'sequence', flows: [] },
    history: [],
  };
}

describe('changeStepState', () => {
  it('stamps times, progress and reports every change', () => {
    const listener = recorder();
    const step = runStep();
    changeStepState('p', step, 'running', 't1', listener);
    expect(step).toMatchObject({ state: 'running', startedAt: 't1' });
    expect(step.endedAt).toBeUndefined();
    changeStepState('p', step, 'error', 't2', listener);
    expect(step).toMatchObject({ state: 'error', startedAt: 't1', endedAt: 't2' });
    changeStepState('p', step, 'running', 't3', listener);
    expect(step.startedAt).toBe('t1'); // the first start is kept
    expect(step.endedAt).toBeUndefined();
    changeStepState('p', step, 'success', 't4', listener);
    expect(step).toMatchObject({ state: 'success', endedAt: 't4', progress: 1 });
    expect(listener.seen).toEqual(['p/3:running', 'p/3:error', 'p/3:running', 'p/3:success']);
  });

  it('a skipped step keeps its error; running again clears it', () => {
    const listener = recorder();
    const failed: StepRecord = {
      ...runStep('error'),
      error: { className: 'Error', message: 'boom' },
    };
    changeStepState('p', failed, 'skipping', 't', listener);
    expect(failed.error?.message).toBe('boom');
    expect(failed.endedAt).toBeUndefined();
    changeStepState('p', failed, 'skipped', 't', listener);
    expect(failed.error?.message).toBe('boom');
    expect(failed.progress).toBe(1);

    const retried: StepRecord = {
      ...runStep('error'),
      error: { className: 'Error', message: 'boom' },
    };
    changeStepState('p', retried, 'running', 't', listener);
    expect(retried.error).toBeUndefined();
  });

  it('a finalize step moved back to pending has its progress reset', () => {
    const step: StepRecord = { ...runStep('success'), phase: 'finalize', progress: 1 };
    changeStepState('p', step, 'pending', 't', recorder());
    expect(step.progress).toBe(0);
    expect(step.state).toBe('pending');
  });

  it('an illegal move throws and changes nothing', () => {
    const listener = recorder();
    const step = runStep('success');
    expect(() => {
      changeStepState('p', step, 'running', 't', listener);
    }).toThrow(FlowlineError);
    expect(step.state).toBe('success');
    expect(listener.seen).toEqual([]);
  });
});

describe('changePlanState', () => {
  it('sets startedAt once when planning and endedAt when stopped', () => {
    const listener = recorder();
    const record = plan();
    changePlanState(record, 'planning', 't1', listener);
    changePlanState(record, 'planned', 't2', listener);
    changePlanState(record, 'running', 't3', listener);
    changePlanState(record, 'paused', 't4', listener);
    expect(record.startedAt).toBe('t1');
    expect(record.endedAt).toBeUndefined();
    changePlanState(record, 'stopped', 't5', listener);
    expect(record.endedAt).toBe('t5');
    expect(listener.seen).toEqual([
      'p:planning',
      'p:planned',
      'p:running',
      'p:paused',
      'p:stopped',
    ]);
  });

  it('an illegal move throws ILLEGAL_STATE_TRANSITION and changes nothing', () => {
    const listener = recorder();
    const record = plan();
    let error: unknown;
    try {
      changePlanState(record, 'running', 't', listener);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FlowlineError);
    expect((error as FlowlineError).code).toBe('ILLEGAL_STATE_TRANSITION');
    expect(record.state).toBe('pending');
    expect(listener.seen).toEqual([]);
  });
});
