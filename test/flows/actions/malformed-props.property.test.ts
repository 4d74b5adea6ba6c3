/**
 * Every packaged stage action with random props, well-formed or not (props a saved flow could not
 * hold: a stage action run directly, a fallback): it succeeds or fails with a `FlowlineError`,
 * never anything else. `Run Command` only ever gets programs that do not exist, and `HTTP Request`
 * only URLs that are not http(s) or point at a closed local port.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Batch,
  Filter,
  HttpRequest,
  LogStage,
  ManualTrigger,
  RemapFields,
  RunCommand,
} from '../../../src/flows/index.js';
import type { JsonObject, JsonValue } from '../../../src/index.js';
import { runStageAction, stageData } from './stage-harness.js';

/** A random value for a prop: often of a plausible type, often not. */
const anyProp = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 5 }),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
) as fc.Arbitrary<JsonValue>;

/** Random props: some of the action's own keys, some unknown ones, each with a random value. */
function propsFor(keys: readonly string[], fixed: fc.Arbitrary<JsonObject> = fc.constant({})) {
  return fc
    .tuple(
      fc.dictionary(fc.constantFrom(...keys), anyProp, { maxKeys: keys.length }),
      fc.dictionary(fc.string({ maxLength: 5 }), anyProp, { maxKeys: 1 }),
      fc.boolean(),
      fixed,
    )
    .map(([own, unknown, withUnknown, forced]) => ({
      ...own,
      ...(withUnknown ? unknown : {}),
      ...forced,
    }))
    .filter((props) => !JSON.stringify(props).includes('"__proto__"'));
}

let closedUrl: string;

beforeAll(async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function onlyFlowlineErrors(
  cls: Parameters<typeof runStageAction>[0],
  props: fc.Arbitrary<JsonObject>,
  runs = 100,
) {
  await fc.assert(
    fc.asyncProperty(props, stageData(), async (given, data) => {
      // runStageAction throws when the stage fails with anything but a FlowlineError.
      const run = await runStageAction(cls, given, data);
      expect(['success', 'error']).toContain(run.kind);
    }),
    { numRuns: runs },
  );
}

describe('packaged stage actions with random props', () => {
  it('Manual Trigger', () => onlyFlowlineErrors(ManualTrigger, propsFor(['x'])));
  it('Log', () => onlyFlowlineErrors(LogStage, propsFor(['level', 'message', 'data'])));
  it('Filter', () => onlyFlowlineErrors(Filter, propsFor(['condition', 'timeoutMs'])));
  it('Batch', () => onlyFlowlineErrors(Batch, propsFor(['size', 'items', 'timeoutMs'])));
  it('Remap Fields', () =>
    onlyFlowlineErrors(
      RemapFields,
      propsFor(['keep', 'rename', 'fields', 'constants', 'drop', 'timeoutMs']),
    ));

  it('HTTP Request', () => {
    const url = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constant('ftp://x'),
      fc.constant('CLOSED'),
    );
    const fixed = url.map((given) => {
      let http: boolean;
      try {
        http = /^https?:$/.test(new URL(given).protocol);
      } catch {
        http = false;
      }
      return { url: given === 'CLOSED' || http ? closedUrl : given };
    });
    return onlyFlowlineErrors(
      HttpRequest,
      propsFor(['method', 'headers', 'body', 'timeoutMs', 'responseType'], fixed),
      60,
    );
  });

  it('Run Command', () => {
    const command = fc.oneof(
      fc.string({ maxLength: 8 }).map((name) => `/nonexistent-flowline-dir/${name}`),
      fc.constant('flowline-no-such-program'),
    );
    return onlyFlowlineErrors(
      RunCommand,
      propsFor(
        ['args', 'env', 'inheritEnv', 'cwd', 'timeoutMs', 'stdin', 'parseJson', 'allowFailure'],
        command.map((given) => ({ command: given })),
      ),
      60,
    );
  });
});
