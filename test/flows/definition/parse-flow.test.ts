import { describe, expect, test } from 'vitest';
import { parseFlow } from '../../../src/flows/index.js';
import type { FlowlineError } from '../../../src/errors.js';
import type { JsonObject } from '../../../src/plan/records.js';
import { StageAction } from '../../../src/flows/stage-action.js';
import { parseError, paths, stage, violations } from './flow-helpers.js';
import { actions } from './stage-actions.js';

const ACME = `name: Publish to Acme API
stages:
  - name: Start
    action: Trigger
    props: {}
    out: [Enrich, Print]
  - name: Enrich
    action: Enrich
    props: { field: seen }
    out: [Print]
  - name: Print
    action: Log
    props: { level: info, $timeout: 500 }
    out: []
`;

describe('parseFlow: valid flows', () => {
  test('YAML text gives a deep-frozen plain copy with exactly name and stages', () => {
    const flow = parseFlow(ACME, { actions });
    expect(flow).toEqual({
      name: 'Publish to Acme API',
      stages: [
        { name: 'Start', action: 'Trigger', props: {}, out: ['Enrich', 'Print'] },
        { name: 'Enrich', action: 'Enrich', props: { field: 'seen' }, out: ['Print'] },
        { name: 'Print', action: 'Log', props: { level: 'info', $timeout: 500 }, out: [] },
      ],
    });
    expect(Object.keys(flow)).toEqual(['name', 'stages']);
    expect(Object.keys(flow.stages[0] ?? {})).toEqual(['name', 'action', 'props', 'out']);
    expect(Object.isFrozen(flow)).toBe(true);
    expect(Object.isFrozen(flow.stages)).toBe(true);
    expect(Object.isFrozen(flow.stages[2]?.props)).toBe(true);
    expect(Object.isFrozen(flow.stages[0]?.out)).toBe(true);
  });

  test('the same flow as JSON text, and as an object, gives the same definition', () => {
    const fromYaml = parseFlow(ACME, { actions });
    const object = JSON.parse(JSON.stringify(fromYaml)) as JsonObject;
    expect(parseFlow(JSON.stringify(object, null, 2), { actions })).toEqual(fromYaml);
    const fromObject = parseFlow(object, { actions });
    expect(fromObject).toEqual(fromYaml);
    // A copy: the caller's object is neither kept nor frozen.
    expect(Object.isFrozen(object)).toBe(false);
    expect(fromObject.stages[0]).not.toBe((object.stages as JsonObject[])[0]);
  });

  test('a stage action is known by its actionName, else its class name', () => {
    class Shout extends StageAction {
      process(): null {
        return null;
      }
    }
    const flow = { name: 'f', stages: [stage('a', [], { action: 'Shout' })] };
    expect(parseFlow(flow, { actions: [Shout] }).stages[0]?.action).toBe('Shout');
    expect(paths(flow)).toEqual(['/stages/0/action']);
  });

  test.each([
    ['a single stage', [stage('a')]],
    ['a chain', [stage('a', ['b']), stage('b', ['c']), stage('c')]],
    ['a diamond', [stage('a', ['b', 'c']), stage('b', ['d']), stage('c', ['d']), stage('d')]],
    [
      'joins of joins, written out of order',
      [
        stage('e'),
        stage('d', ['e']),
        stage('a', ['b', 'c', 'd']),
        stage('c', ['d', 'e']),
        stage('b', ['d']),
      ],
    ],
    [
      'many branches',
      [stage('a', ['b0', 'b1', 'b2', 'b3']), ...['b0', 'b1', 'b2', 'b3'].map((n) => stage(n))],
    ],
  ])('%s is accepted', (_, stages) => {
    expect(parseFlow({ name: 'f', stages }, { actions }).stages).toHaveLength(stages.length);
  });

  test('a 1000-stage chain and a 1000-stage fan-out are accepted', () => {
    const chain = Array.from({ length: 1000 }, (_, i) =>
      stage(`s${i}`, i < 999 ? [`s${i + 1}`] : []),
    );
    expect(parseFlow({ name: 'chain', stages: chain }, { actions }).stages).toHaveLength(1000);
    const names = Array.from({ length: 999 }, (_, i) => `s${i}`);
    const fan = [stage('entry', names), ...names.map((name) => stage(name))];
    expect(parseFlow({ name: 'fan', stages: fan }, { actions }).stages).toHaveLength(1000);
  });

  test('a 1000-stage flow as YAML text, and a 20 000-stage chain, are accepted', () => {
    const lines = ['name: long', 'stages:'];
    for (let i = 0; i < 1000; i++) {
      lines.push(
        `  - { name: s${i}, action: Log, props: {}, out: [${i < 999 ? `s${i + 1}` : ''}] }`,
      );
    }
    expect(parseFlow(lines.join('\n'), { actions }).stages).toHaveLength(1000);
    // Long enough to overflow the call stack if a check recursed along the chain.
    const chain = Array.from({ length: 20_000 }, (_, i) =>
      stage(`s${i}`, i < 19_999 ? [`s${i + 1}`] : []),
    );
    expect(parseFlow({ name: 'chain', stages: chain }, { actions }).stages).toHaveLength(20_000);
  });

  test('a 20 000-stage cycle is found and named', () => {
    const stages = Array.from({ length: 20_000 }, (_, i) =>
      stage(`s${i}`, [`s${(i + 1) % 20_000}`]),
    );
    const found = violations({ name: 'f', stages: [stage('entry', ['s0']), ...stages] });
    expect(found.map((v) => v.path)).toEqual(['/stages/20000/out/0']);
    expect(found[0]?.message).toMatch(/^cycle: s0 → s1 → .* → s19999 → s0$/);
  });

  test('parsing is deterministic: the same text gives the same definition or the same error', () => {
    expect(parseFlow(ACME, { actions })).toEqual(parseFlow(ACME, { actions }));
    const bad = ACME.replace('[Print]', '[Nope, Print, Print]').replace(
      'Enrich\n    props',
      'Enrch\n    props',
    );
    expect(parseError(bad).message).toBe(parseError(bad).message);
    expect(violations(bad)).toEqual(violations(bad));
  });
});

describe('parseFlow: positions and messages', () => {
  test('JSON text keeps positions', () => {
    const json =
      '{\n  "name": "j",\n  "stages": [\n    {"name": "a", "action": "Log", "props": {}, "out": ["zz"]}\n  ]\n}';
    expect(violations(json)).toEqual([
      { path: '/stages/0/out/0', message: 'stage "zz" does not exist', line: 4, column: 57 },
    ]);
  });

  test('duplicate keys in JSON text are errors', () => {
    expect(violations('{"name": "a", "name": "b", "stages": []}')).toEqual([
      {
        path: '/name',
        message: 'duplicate key "name": keys in a mapping must be unique',
        line: 1,
        column: 15,
      },
    ]);
  });

  test('an object is validated without positions', () => {
    expect(violations({ name: 'f', stages: [stage('a', ['b'])] })).toEqual([
      { path: '/stages/0/out/0', message: 'stage "b" does not exist' },
    ]);
  });

  test('every violation found is in one error, schema errors before anything else', () => {
    const found = violations(
      'name: f\nstages:\n  - name: a\n    action: 7\n    props: {}\n    out: [b]\n    extra: x\n  - name: b\n    out: []\n',
    );
    expect(found).toEqual([
      {
        path: '/stages/0/extra',
        message: 'unknown field "extra" (a stage has name, action, props and out)',
        line: 7,
        column: 5,
      },
      {
        path: '/stages/0/action',
        message: 'must be a string (found a number)',
        line: 4,
        column: 13,
      },
      { path: '/stages/1', message: 'missing field "action"', line: 8, column: 5 },
      { path: '/stages/1', message: 'missing field "props"', line: 8, column: 5 },
    ]);
  });

  const TWO =
    'name: Publish to Acme API\nstages:\n  - name: a\n    action: Log\n    props: {}\n    out: [Nope, a]\n';

  test('the message lists each violation as file:line:column with a file name', () => {
    expect(parseError(TWO, { fileName: 'flows/acme.yaml' }).message).toBe(
      'flow "Publish to Acme API" is invalid (3 problems):\n' +
        '  flows/acme.yaml:6:11 /stages/0/out/0: stage "Nope" does not exist\n' +
        '  flows/acme.yaml:6:17 /stages/0/out/1: cycle: a → a\n' +
        '  flows/acme.yaml:3:3 /stages: no entry stage (every stage is in an out): a flow has exactly one entry stage: the one no stage lists in out',
    );
  });

  test('without a file name, as line and column; without positions, just the path', () => {
    expect(parseError(TWO).message.split('\n')[1]).toBe(
      '  line 6, column 11 /stages/0/out/0: stage "Nope" does not exist',
    );
    expect(parseError({ name: 'f', stages: [stage('a', ['b'])] }).message).toBe(
      'flow "f" is invalid (1 problem):\n  /stages/0/out/0: stage "b" does not exist',
    );
    expect(parseError('- just a list').message).toBe(
      'flow is invalid (1 problem):\n  line 1, column 1 (the flow): must be an object (found an array)',
    );
  });

  test('a long list is cut in the message but complete in the details', () => {
    const stages = Array.from({ length: 80 }, (_, i) => stage(`s${i}`, [`missing${i}`]));
    const error = parseError({ name: 'f', stages });
    expect(error.details?.violations?.length).toBe(81);
    expect(error.message).toContain('… and 31 more (see details.violations)');
  });

  test('paths are JSON pointers: ~ and / in keys are escaped', () => {
    expect(paths({ name: 'f', stages: [stage('a')], 'a/b~c': 1 })).toEqual(['/a~1b~0c']);
  });

  test('YAML syntax errors have their line and column', () => {
    expect(violations('name: f\nstages: [\n')).toMatchObject([{ path: '', line: 3, column: 1 }]);
  });

  test('an empty text and a scalar are not flows', () => {
    expect(violations('')).toEqual([
      { path: '', message: 'must be an object (found null)', line: 1, column: 1 },
    ]);
    expect(paths('42')).toEqual(['']);
  });
});

describe('parseFlow: values that are not JSON data', () => {
  test.each([
    ['a Date', new Date(0), 'must be JSON data: found a Date'],
    ['NaN', Number.NaN, 'must be JSON data: NaN is not JSON'],
    ['a function', () => 1, 'must be JSON data: a function is not JSON'],
    ['a Map', new Map(), 'must be JSON data: found a Map'],
    ['a string holding U+0000', 'a\u0000b', 'must be JSON data: the string holds U+0000'],
  ])('%s in props is refused at its path', (_, value, message) => {
    const flow = { name: 'f', stages: [{ ...stage('a'), props: { x: value } }] };
    expect(violations(flow)).toEqual([{ path: '/stages/0/props/x', message }]);
  });

  test('a cycle in an object and in YAML aliases is refused, not followed', () => {
    const props: JsonObject = {};
    (props as Record<string, unknown>).self = props;
    expect(paths({ name: 'f', stages: [stage('a', [], { props })] })).toEqual([
      '/stages/0/props/self',
    ]);
    const text =
      'name: f\nstages:\n  - name: a\n    action: Log\n    props: &p { me: *p }\n    out: []\n';
    expect(paths(text)).toEqual(['/stages/0/props/me']);
  });

  test('YAML 1.1 timestamps and binaries are refused; undefined properties are left out', () => {
    const text =
      '%YAML 1.1\n---\nname: f\nstages:\n  - name: a\n    action: Log\n    props: { at: 2020-01-01 }\n    out: []\n';
    expect(violations(text)).toMatchObject([{ path: '/stages/0/props/at', line: 7, column: 18 }]);
    expect(parseFlow({ name: 'f', stages: [stage('a')], extra: undefined }, { actions }).name).toBe(
      'f',
    );
  });

  test('a __proto__ key is refused at its place, and pollutes no prototype', () => {
    const text =
      'name: f\nstages:\n  - name: a\n    action: Trigger\n    props: { __proto__: { polluted: true } }\n    out: []\n';
    expect(() => parseFlow(text, { actions })).toThrow(
      /\/stages\/0\/props\/__proto__: must be JSON data: the key "__proto__" is reserved/,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseFlow: options', () => {
  test('actions that are not classes are refused with INVALID_ARGUMENT', () => {
    for (const bad of [[null], [{}], 'Log']) {
      expect(() => parseFlow(ACME, { actions: bad as never })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });

  test('a user action named like a packaged one takes its place; later ones win', () => {
    class Strict extends StageAction {
      static override actionName = 'Log';
      static override propsSchema = false;
      process(): null {
        return null;
      }
    }
    expect(paths(ACME, { actions: [...actions, Strict] })).toEqual(['/stages/2/props']);
  });
});

test('a key the store cannot keep (__proto__, $flowlineRef) is a violation at its place', () => {
  const text = [
    'name: reserved',
    'stages:',
    '  - name: a',
    '    action: Log',
    '    props:',
    '      meta: { __proto__: 1 }',
    '    out: []',
  ].join('\n');
  try {
    parseFlow(text, { fileName: 'reserved.yaml' });
    expect.unreachable();
  } catch (error) {
    const violations = (error as FlowlineError).details?.violations ?? [];
    expect(violations.map((v) => [v.path, v.message])).toContainEqual([
      '/stages/0/props/meta/__proto__',
      'must be JSON data: the key "__proto__" is reserved: it cannot be stored',
    ]);
  }
  expect(() =>
    parseFlow({
      name: 'r',
      stages: [{ name: 'a', action: 'Log', props: { $flowlineRef: 1 }, out: [] }],
    }),
  ).toThrow(/the key "\$flowlineRef" is reserved/);
});
