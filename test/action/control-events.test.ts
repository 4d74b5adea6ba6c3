import { describe, expect, it } from 'vitest';
import {
  ControlEvent,
  controlEvent,
  isControlEvent,
  subPlanNotice,
  subPlanNoticeOf,
} from '../../src/action/control-events.js';
import type { JsonValue } from '../../src/index.js';
import { PollingAction, SubPlansAction } from '../../src/index.js';

describe('control events', () => {
  it('every engine event is marked by the one reserved key $flowline', () => {
    expect(PollingAction.POLL).toEqual({ $flowline: 'poll' });
    expect(SubPlansAction.recoveryEvent).toEqual({ $flowline: 'subPlansRecount' });
    expect(controlEvent(ControlEvent.timeout, { afterMs: 5 })).toEqual({
      $flowline: 'timeout',
      afterMs: 5,
    });
    expect(
      subPlanNotice({ planId: 'p', state: 'stopped', result: 'success', worldId: 'w' }),
    ).toEqual({
      $flowline: 'subPlanNotice',
      planId: 'p',
      state: 'stopped',
      result: 'success',
      worldId: 'w',
    });
  });

  it('tells its kinds apart and never takes application data for one', () => {
    expect(isControlEvent({ $flowline: 'poll' }, ControlEvent.poll)).toBe(true);
    expect(isControlEvent({ $flowline: 'poll' }, ControlEvent.timeout)).toBe(false);
    for (const data of [null, 'poll', 1, [], ['poll'], { flowline: 'poll' }, {}, undefined]) {
      expect(isControlEvent(data, ControlEvent.poll), JSON.stringify(data)).toBe(false);
    }
  });

  it('reads a sub-plan notice in its current form and in the form first released', () => {
    const notice = { planId: 'p', state: 'paused', result: 'error', worldId: 'w' } as const;
    expect(subPlanNoticeOf(subPlanNotice(notice))).toEqual(notice);
    // A notice queued by an earlier Flowline is still delivered after an upgrade.
    expect(subPlanNoticeOf({ $flowlineSubPlan: { ...notice } })).toEqual(notice);
    expect(
      subPlanNoticeOf({ $flowlineSubPlan: { planId: 'p', state: 'stopped', result: 'success' } }),
    ).toEqual({ planId: 'p', state: 'stopped', result: 'success', worldId: '' });
  });

  it('a payload that is not a notice is none', () => {
    const events: (JsonValue | undefined)[] = [
      undefined,
      null,
      'x',
      [],
      { $flowline: 'poll' },
      { $flowline: 'subPlanNotice', planId: 1, state: 'stopped', result: 'success' },
      { $flowlineSubPlan: 'p' },
      { $flowlineSubPlan: { planId: 'p', state: 'stopped' } },
    ];
    for (const event of events) {
      expect(subPlanNoticeOf(event), JSON.stringify(event)).toBeUndefined();
    }
  });
});
