/**
 * `--actions`: telling Flowline's action classes from classes that extend another copy of
 * Flowline's `Action`, with a real second copy (a second import of the module that defines
 * `Action`, as a second installation or the CommonJS build would give), in-process.
 */
import { describe, expect, it } from 'vitest';
import { Action } from '../../src/action/action.js';
import { collectActions, extendsForeignAction } from '../../src/cli/actions-module.js';
import { Deploy } from './fixtures/actions.js';

/** Another copy of Flowline's `Action`: the same source loaded as a second module instance. */
async function secondCopy(): Promise<typeof Action> {
  const url = new URL('../../src/action/action.ts?second-copy', import.meta.url);
  const copy = (await import(url.href)) as { Action: typeof Action };
  expect(copy.Action).not.toBe(Action);
  return copy.Action;
}

describe('collectActions and extendsForeignAction', () => {
  it('recognises a class extending another copy of Action, whatever its name', async () => {
    const OtherAction = await secondCopy();
    // What esbuild makes of the class name in the built package.
    Object.defineProperty(OtherAction, 'name', { value: '_Action' });
    class Deploy extends OtherAction {}
    class Nested extends Deploy {}
    expect(collectActions({ Deploy, grouped: [Nested] })).toEqual({
      actions: [],
      foreign: ['Deploy', 'Nested'],
    });
    expect(extendsForeignAction(Deploy)).toBe(true);
    expect(extendsForeignAction(Nested)).toBe(true);
  });

  it('does not take our own classes, the other Action itself, or unrelated classes for foreign', async () => {
    const OtherAction = await secondCopy();
    // Another library's class of the same name.
    class Action {
      readonly kind = 'not flowline';
    }
    class Unrelated extends Action {}
    class Local extends Deploy {}
    expect(collectActions({ Deploy, Local, OtherAction, Unrelated })).toEqual({
      actions: [Deploy, Local],
      foreign: [],
    });
    for (const value of [Deploy, Local, OtherAction, Unrelated, Action, Function, Object]) {
      expect(extendsForeignAction(value)).toBe(false);
    }
  });

  it('passes over a class that cannot be inspected, without throwing', () => {
    const { proxy, revoke } = Proxy.revocable(function Target() {}, {});
    revoke();
    expect(collectActions({ proxy, Deploy })).toEqual({ actions: [Deploy], foreign: [] });
    expect(extendsForeignAction(proxy)).toBe(false);
  });
});
