import { describe, expect, it } from 'vitest';
import type { RuntimeMode, SettlementInput } from '../../src/executor/runtime-mode.js';
import {
  RuntimeMode as Modes,
  assertModeChange,
  canEnterMode,
  finalizePhaseOver,
  settlement,
} from '../../src/executor/runtime-mode.js';
import { caughtFlowlineError } from '../helpers/errors.js';

const MODES = Object.values(Modes);

/** The moves the executor makes, written out independently of the table under test. */
const LEGAL = new Set<string>([
  'running>pausing',
  'running>pausingOnError',
  'running>failing',
  'running>rollingBack',
  'running>halting',
  'running>cancelling',
  'running>stalled',
  'running>closed',
  'pausing>halting',
  'pausing>cancelling',
  'pausing>stalled',
  'pausing>closed',
  'pausingOnError>halting',
  'pausingOnError>cancelling',
  'pausingOnError>stalled',
  'pausingOnError>closed',
  'failing>halting',
  'failing>cancelling',
  'failing>stalled',
  'failing>closed',
  'rollingBack>running',
  'rollingBack>halting',
  'rollingBack>cancelling',
  'rollingBack>stalled',
  'rollingBack>closed',
  'halting>cancelling',
  'halting>stalled',
  'halting>closed',
  'cancelling>stalled',
  'cancelling>closed',
  'stalled>closed',
]);

describe('runtime modes', () => {
  for (const from of MODES) {
    for (const to of MODES) {
      const legal = LEGAL.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? 'allowed' : 'refused'}`, () => {
        expect(canEnterMode(from, to)).toBe(legal);
        if (legal) assertModeChange('p', from, to);
        else {
          const error = caughtFlowlineError(() => {
            assertModeChange('p', from, to);
          });
          expect(error.code).toBe('ILLEGAL_STATE_TRANSITION');
          expect(error.message).toContain(`from mode ${from} to ${to}`);
        }
      });
    }
  }
});

function plan(overrides: Partial<SettlementInput> & { mode: RuntimeMode }): SettlementInput {
  return {
    queued: 0,
    active: 0,
    suspendedCount: 0,
    finalizing: false,
    finalizeDone: () => false,
    compensating: false,
    compensateDone: () => false,
    allStepsDone: () => false,
    ...overrides,
  };
}

describe('settlement: what decides that a plan is paused or stopped', () => {
  it('a queued or active execution holds a plan in every mode', () => {
    for (const mode of MODES) {
      expect(
        settlement(plan({ mode, queued: 1, finalizing: true, finalizeDone: () => true })),
      ).toBeUndefined();
      expect(settlement(plan({ mode, active: 1, allStepsDone: () => true }))).toBeUndefined();
    }
  });

  it('a suspended step holds the plan unless it is being paused by hand, halted, cancelled or rolled back', () => {
    const holds: RuntimeMode[] = ['running', 'pausingOnError', 'failing', 'stalled', 'closed'];
    for (const mode of MODES) {
      const outcome = settlement(
        plan({ mode, suspendedCount: 1, finalizing: true, finalizeDone: () => true }),
      );
      if (holds.includes(mode)) expect(outcome, mode).toBeUndefined();
      else expect(outcome, mode).toBeDefined();
    }
  });

  it('each mode ends as its rule says once nothing holds the plan', () => {
    expect(settlement(plan({ mode: 'halting' }))).toEqual({
      state: 'stopped',
      cancelRemaining: true,
    });
    expect(settlement(plan({ mode: 'cancelling' }))).toEqual({
      state: 'stopped',
      cancelRemaining: true,
    });
    expect(settlement(plan({ mode: 'pausing' }))).toEqual({
      state: 'paused',
      cancelRemaining: false,
    });
    expect(settlement(plan({ mode: 'pausingOnError' }))).toEqual({
      state: 'paused',
      cancelRemaining: false,
    });
    expect(settlement(plan({ mode: 'failing' }))).toEqual({
      state: 'stopped',
      cancelRemaining: false,
    });
    expect(settlement(plan({ mode: 'rollingBack' }))).toEqual({
      state: 'compensate',
      cancelRemaining: false,
    });
  });

  it('a running plan being rolled back stops once every compensate step is done', () => {
    expect(settlement(plan({ mode: 'running', compensating: true }))).toBeUndefined();
    expect(
      settlement(plan({ mode: 'running', compensating: true, compensateDone: () => true })),
    ).toEqual({ state: 'stopped', cancelRemaining: false });
  });

  it('a stalled plan never settles: the outage handling takes it up again', () => {
    expect(
      settlement(
        plan({
          mode: 'stalled',
          finalizing: true,
          finalizeDone: () => true,
          allStepsDone: () => true,
        }),
      ),
    ).toBeUndefined();
  });

  it('a closed plan stops only when every step is done', () => {
    expect(settlement(plan({ mode: 'closed' }))).toBeUndefined();
    expect(settlement(plan({ mode: 'closed', allStepsDone: () => true }))).toEqual({
      state: 'stopped',
      cancelRemaining: false,
    });
  });

  it('a running plan stops once its finalize phase has begun and is done', () => {
    expect(settlement(plan({ mode: 'running' }))).toBeUndefined();
    expect(settlement(plan({ mode: 'running', finalizeDone: () => true }))).toBeUndefined();
    expect(settlement(plan({ mode: 'running', finalizing: true }))).toBeUndefined();
    expect(
      settlement(plan({ mode: 'running', finalizing: true, finalizeDone: () => true })),
    ).toEqual({ state: 'stopped', cancelRemaining: false });
  });
});

describe('finalizePhaseOver', () => {
  it('lets a waiting finalizePhase middleware go on once only it holds the plan', () => {
    const done = { finalizing: true, finalizeDone: () => true };
    expect(finalizePhaseOver(plan({ mode: 'running', active: 1, ...done }))).toBe(true);
    expect(finalizePhaseOver(plan({ mode: 'running', active: 2, ...done }))).toBe(false);
    expect(finalizePhaseOver(plan({ mode: 'running', active: 1, queued: 1, ...done }))).toBe(false);
    expect(finalizePhaseOver(plan({ mode: 'running', active: 1, finalizing: true }))).toBe(false);
    expect(finalizePhaseOver(plan({ mode: 'pausingOnError', active: 1 }))).toBe(true);
  });
});
