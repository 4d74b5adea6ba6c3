/**
 * The progress bars of `flowline watch` (also used by the examples), and the helpers behind the
 * command's output, in-process.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionPlan, StepRecord } from '../../src/index.js';
import { progressBar, renderPlanProgress } from '../../src/cli/progress.js';
import { formatPercent, formatTable, useColor } from '../../src/cli/output.js';
import { collectActions } from '../../src/cli/actions-module.js';
import { Action } from '../../src/index.js';
import { Deploy, Provision } from './fixtures/actions.js';

describe('progressBar', () => {
  it.each([
    [0, 10, '░░░░░░░░░░'],
    [0.5, 10, '█████░░░░░'],
    [0.99, 10, '█████████░'],
    [1, 10, '██████████'],
    [1.5, 4, '████'],
    [-1, 4, '░░░░'],
    [Number.NaN, 4, '░░░░'],
    [0.5, 0, ''],
  ])('progressBar(%d, %d) is %s', (fraction, width, bar) => {
    expect(progressBar(fraction, width)).toBe(bar);
  });
});

function step(id: number, className: string, state: StepRecord['state'], progress = 0): StepRecord {
  return { id, actionId: id, className, phase: 'run', state, progress, progressWeight: 1 };
}

function planWith(steps: StepRecord[], overrides: Partial<ExecutionPlan> = {}): ExecutionPlan {
  return {
    id: 'p1',
    label: 'Deploy',
    state: 'running',
    result: 'pending',
    progress: 0.5,
    rootActionId: 1,
    actions: [],
    steps: [
      {
        id: 100,
        actionId: 1,
        className: 'Deploy',
        phase: 'plan',
        state: 'success',
        progress: 1,
        progressWeight: 1,
      },
      ...steps,
    ],
    runFlow: { kind: 'concurrence', flows: [] },
    finalizeFlow: { kind: 'sequence', flows: [] },
    history: [],
    ...overrides,
  } as ExecutionPlan;
}

describe('renderPlanProgress', () => {
  it('draws the plan, then one aligned bar per run step', () => {
    const plan = planWith([
      step(2, 'Provision', 'success', 1),
      step(3, 'LongerName', 'running', 0.25),
    ]);
    expect(renderPlanProgress(plan, { width: 8, color: false })).toEqual([
      'Deploy           running  ████░░░░  50%',
      '  #2 Provision   success  ████████ 100%',
      '  #3 LongerName  running  ██░░░░░░  25%',
    ]);
  });

  it('shows the result of a stopped plan and the error of a failed step', () => {
    const failed = {
      ...step(2, 'Provision', 'error'),
      error: { className: 'Error', message: 'disk\nfull' },
    };
    const plan = planWith([failed], { state: 'paused', result: 'error', progress: 0 });
    const lines = renderPlanProgress(plan, { width: 4, color: false });
    expect(lines[0]).toBe('Deploy          paused/error  ░░░░   0%');
    expect(lines[1]).toBe('  #2 Provision  error         ░░░░   0%  disk full');
  });

  it('colours states and bars only when asked', () => {
    const plan = planWith([step(2, 'Provision', 'success', 1)]);
    expect(renderPlanProgress(plan, { width: 4, color: false }).join('')).not.toContain('\x1b[');
    const coloured = renderPlanProgress(plan, { width: 4, color: true });
    expect(coloured[1]).toContain('\x1b[32msuccess\x1b[39m');
    expect(coloured[1]).toContain('\x1b[32m████\x1b[39m');
  });

  it('fits the lines in the columns given', () => {
    const plan = planWith([step(2, 'AVeryLongActionClassNameIndeed', 'running', 0.5)]);
    const lines = renderPlanProgress(plan, { width: 10, color: false, columns: 40 });
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
    expect(lines[1]).toContain('…');
  });

  it('lists at most maxSteps, running and failed ones first, and sums up the rest', () => {
    const steps = [
      step(2, 'A', 'success', 1),
      step(3, 'B', 'success', 1),
      step(4, 'C', 'pending'),
      step(5, 'D', 'running', 0.5),
      step(6, 'E', 'pending'),
    ];
    const lines = renderPlanProgress(planWith(steps), { width: 4, color: false, maxSteps: 3 });
    expect(lines.map((line) => line.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'Deploy running',
      '#2 A',
      '#5 D',
      '… 3',
    ]);
    expect(lines[3]).toBe('  … 3 more run steps (1 done, 2 not done)');
  });
});

describe('output helpers', () => {
  it('colours only a terminal without NO_COLOR', () => {
    expect(useColor(true, {})).toBe(true);
    expect(useColor(true, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(true, { NO_COLOR: '' })).toBe(true);
    expect(useColor(false, {})).toBe(false);
    expect(useColor(undefined, {})).toBe(false);
  });

  it('rounds percentages down, so 100% means done', () => {
    expect([0, 0.004, 0.999, 1, 2].map(formatPercent)).toEqual(['0%', '0%', '99%', '100%', '100%']);
  });

  it('aligns table columns and cuts the last one to the width given', () => {
    const lines = formatTable(
      ['ID', 'NAME', 'NOTE'],
      [
        [{ text: '1', right: true }, 'short', 'a note that is far too long for the width'],
        [{ text: '10', right: true }, 'longer name', ''],
      ],
      false,
      35,
    );
    expect(lines).toEqual([
      'ID  NAME         NOTE',
      ' 1  short        a note that is fa…',
      '10  longer name',
    ]);
  });
});

describe('collectActions', () => {
  it('finds Action subclasses in named and default exports, arrays and objects, once each', () => {
    class Local extends Action {}
    const found = collectActions({
      default: [Deploy, Provision],
      Deploy,
      grouped: { Local, helper: () => 1, count: 3 },
      Action, // the base class is never registered
      notAClass: 'Deploy',
    });
    expect(found).toEqual({ actions: [Deploy, Provision, Local], foreign: [] });
  });
});
