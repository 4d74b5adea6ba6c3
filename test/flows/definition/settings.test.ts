import { describe, expect, test } from 'vitest';
import { parseFlow, stageSettings, StageAction } from '../../../src/flows/index.js';
import type { JsonObject, JsonValue } from '../../../src/plan/records.js';
import { stage, violations } from './flow-helpers.js';
import { actions } from './stage-actions.js';

/** A one-stage flow (`Trigger`, which takes any props) with these props. */
function withProps(props: JsonObject, action = 'Trigger'): JsonObject {
  return { name: 'f', stages: [stage('a', [], { action, props })] };
}

describe('props against the action’s propsSchema', () => {
  test('valid props are accepted; stage settings are not part of what the schema sees', () => {
    const flow = parseFlow(withProps({ level: 'warn', $timeout: 10 }, 'Log'), { actions });
    expect(flow.stages[0]?.props).toEqual({ level: 'warn', $timeout: 10 });
  });

  test('a typo in a prop is caught at its path', () => {
    expect(violations(withProps({ levle: 'warn' }, 'Log'))).toEqual([
      { path: '/stages/0/props/levle', message: 'action "Log" props: unknown field "levle"' },
    ]);
  });

  test('nested props errors point inside the props', () => {
    class Http extends StageAction {
      static override actionName = 'HTTP';
      static override propsSchema = {
        type: 'object',
        properties: { headers: { type: 'object', additionalProperties: { type: 'string' } } },
      };
      process(data: JsonValue): JsonValue {
        return data;
      }
    }
    const flow = withProps({ headers: { 'x/y': 1 } }, 'HTTP');
    expect(violations(flow, { actions: [Http] })).toEqual([
      {
        path: '/stages/0/props/headers/x~1y',
        message: 'action "HTTP" props: must be a string (found a number)',
      },
    ]);
  });

  test('a propsSchema that does not compile is reported, once per stage using it', () => {
    class Broken extends StageAction {
      static override propsSchema = { type: 'strnig' };
      process(): null {
        return null;
      }
    }
    const found = violations(withProps({}, 'Broken'), { actions: [Broken] });
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe('/stages/0/props');
    expect(found[0]?.message).toMatch(/^the propsSchema of action "Broken" is invalid: /);
  });

  test('propsSchema: false refuses any props; true accepts any', () => {
    class Never extends StageAction {
      static override propsSchema = false;
      process(): null {
        return null;
      }
    }
    class Always extends StageAction {
      static override propsSchema = true;
      process(): null {
        return null;
      }
    }
    expect(violations(withProps({}, 'Never'), { actions: [Never] })).toHaveLength(1);
    expect(parseFlow(withProps({ x: 1 }, 'Always'), { actions: [Always] }).name).toBe('f');
  });
});

describe('stage settings ($ keys)', () => {
  test.each<[string, JsonObject]>([
    ['$retry: false', { $retry: false }],
    ['$retry with retries only', { $retry: { retries: 0 } }],
    [
      '$retry with every field',
      { $retry: { retries: 5, factor: 1.5, minTimeout: 0, maxTimeout: 100 } },
    ],
    ['$timeout', { $timeout: 0.5 }],
    ['$fallback with props', { $fallback: { action: 'Enrich', props: { field: 'x' } } }],
    ['$fallback without props (Trigger takes any)', { $fallback: { action: 'Trigger' } }],
    ['$input as an object', { $input: { type: 'object', required: ['email'] } }],
    ['$input as a boolean', { $input: true }],
    [
      '$input with an $id, twice in one flow',
      { $input: { $id: 'https://example.com/input.json', type: 'object' } },
    ],
  ])('%s is accepted', (_, props) => {
    const flow = {
      name: 'f',
      stages: [
        stage('a', ['b'], { action: 'Trigger', props }),
        stage('b', [], { action: 'Trigger', props }),
      ],
    };
    expect(parseFlow(flow, { actions }).stages[0]?.props).toEqual(props);
    // Twice: nothing kept from the first parse gets in the way.
    expect(parseFlow(flow, { actions }).stages[1]?.props).toEqual(props);
  });

  test.each<[string, JsonObject, string, string]>([
    [
      '$retry: true',
      { $retry: true },
      '/$retry',
      'must be false or { retries, factor?, minTimeout?, maxTimeout? } (found true)',
    ],
    [
      '$retry: 3',
      { $retry: 3 },
      '/$retry',
      'must be false or { retries, factor?, minTimeout?, maxTimeout? } (found 3)',
    ],
    ['$retry without retries', { $retry: {} }, '/$retry', 'missing field "retries"'],
    [
      'negative retries',
      { $retry: { retries: -1 } },
      '/$retry/retries',
      'must be an integer, 0 or more (found -1)',
    ],
    [
      'fractional retries',
      { $retry: { retries: 0.5 } },
      '/$retry/retries',
      'must be an integer, 0 or more (found 0.5)',
    ],
    [
      'a zero factor',
      { $retry: { retries: 1, factor: 0 } },
      '/$retry/factor',
      'must be a number greater than 0 (found 0)',
    ],
    [
      'a negative minTimeout',
      { $retry: { retries: 1, minTimeout: -1 } },
      '/$retry/minTimeout',
      'must be a number of milliseconds, 0 or more (found -1)',
    ],
    [
      'a string maxTimeout',
      { $retry: { retries: 1, maxTimeout: '1s' } },
      '/$retry/maxTimeout',
      'must be a number of milliseconds, 0 or more (found a string)',
    ],
    [
      'minTimeout above maxTimeout',
      { $retry: { retries: 1, minTimeout: 10, maxTimeout: 5 } },
      '/$retry/minTimeout',
      'must not be greater than maxTimeout (5)',
    ],
    [
      'an unknown $retry field',
      { $retry: { retries: 1, jitter: true } },
      '/$retry/jitter',
      'unknown field "jitter" ($retry has retries, factor, minTimeout and maxTimeout)',
    ],
    [
      'a zero $timeout',
      { $timeout: 0 },
      '/$timeout',
      'must be a positive number of milliseconds (found 0)',
    ],
    [
      'a string $timeout',
      { $timeout: '5s' },
      '/$timeout',
      'must be a positive number of milliseconds (found a string)',
    ],
    [
      '$fallback as a string',
      { $fallback: 'Log' },
      '/$fallback',
      'must be { action, props? } (found a string)',
    ],
    ['$fallback without action', { $fallback: {} }, '/$fallback', 'missing field "action"'],
    [
      '$fallback with a numeric action',
      { $fallback: { action: 1 } },
      '/$fallback/action',
      'must be a string (found 1)',
    ],
    [
      '$fallback naming an unknown action',
      { $fallback: { action: 'Nope' } },
      '/$fallback/action',
      'unknown action "Nope" (known: "Manual Trigger", "Remap Fields", "Filter", "HTTP Request", ' +
        '"Batch", "Log", "Run Command", "Map", "Reduce", "Run Flow", "Trigger", "Enrich")',
    ],
    [
      '$fallback with an unknown field',
      { $fallback: { action: 'Log', prop: {} } },
      '/$fallback/prop',
      'unknown field "prop" ($fallback has action and props)',
    ],
    [
      '$fallback props not an object',
      { $fallback: { action: 'Log', props: [] } },
      '/$fallback/props',
      'must be an object (found an array)',
    ],
    [
      '$fallback props against its schema',
      { $fallback: { action: 'Enrich', props: {} } },
      '/$fallback/props',
      'action "Enrich" props: missing field "field"',
    ],
    [
      '$fallback props with settings',
      { $fallback: { action: 'Trigger', props: { $timeout: 1 } } },
      '/$fallback/props/$timeout',
      'stage settings do not apply to a fallback: no $ keys in its props',
    ],
    [
      '$input as a string',
      { $input: 'object' },
      '/$input',
      'must be a JSON schema: an object or a boolean (found a string)',
    ],
    [
      '$input with a bad type',
      { $input: { type: 'objet' } },
      '/$input',
      'is not a valid JSON schema (draft-07): schema is invalid',
    ],
    [
      '$input with a missing $ref',
      { $input: { $ref: '#/definitions/nope' } },
      '/$input',
      'is not a valid JSON schema (draft-07): ',
    ],
    [
      '$input of another draft',
      { $input: { $schema: 'https://json-schema.org/draft/2020-12/schema' } },
      '/$input',
      'is not a valid JSON schema (draft-07): ',
    ],
    [
      'an unknown setting',
      { $retries: 3 },
      '/$retries',
      'unknown stage setting "$retries" (stage settings are $retry, $timeout, $fallback and $input)',
    ],
  ])('%s is refused', (_, props, path, message) => {
    const found = violations(withProps(props));
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe(`/stages/0/props${path}`);
    expect(found[0]?.message.startsWith(message), found[0]?.message).toBe(true);
  });

  test('stageSettings reads validated settings; props without $ keys have none', () => {
    expect(stageSettings({ x: 1 })).toEqual({
      retry: undefined,
      timeoutMs: undefined,
      fallback: undefined,
      input: undefined,
    });
    const flow = parseFlow(
      withProps({
        x: 1,
        $retry: { retries: 3, factor: 2 },
        $timeout: 250,
        $fallback: { action: 'Log' },
        $input: { type: 'object' },
      }),
      { actions },
    );
    expect(stageSettings(flow.stages[0]?.props ?? {})).toEqual({
      retry: { retries: 3, factor: 2 },
      timeoutMs: 250,
      fallback: { action: 'Log', props: {} },
      input: { type: 'object' },
    });
    expect(stageSettings({ $retry: false }).retry).toBe(false);
  });
});
