import { describe, expectTypeOf, it } from 'vitest';
import type { InputOf, OutputOf, OutputReference, PlanArgs, Planned } from '../../src/index.js';
import { Action, World } from '../../src/index.js';

class CreateMachine extends Action<{ name: string }, { id: string; port: number }> {
  override plan(name: string, options: { port?: number } = {}) {
    this.planSelf({ name: options.port === undefined ? name : `${name}:${options.port}` });
  }
  run() {
    this.output.id = this.input.name;
    this.output.port = 22;
  }
}

class Nested extends Action<object, { machine: { ip: string; disks: { size: number }[] } }> {
  run() {
    this.output.machine = { ip: '10.0.0.1', disks: [] };
  }
}

/** Stands for an action input field typed `string`. */
declare function needsString(value: string): void;
declare function needsNumber(value: number): void;
declare const planned: Planned<CreateMachine>;
declare const nested: Planned<Nested>;

describe('output references', () => {
  it('a reference to a string is accepted where a string is expected', () => {
    needsString(planned.output.id);
    expectTypeOf(planned.output.id).toExtend<string>();
    expectTypeOf(planned.output.id).toEqualTypeOf<OutputReference<string>>();
    const input: { name: string } = { name: planned.output.id };
    expectTypeOf(input.name).toExtend<string>();
  });

  it('a reference to a number is rejected where a string is expected', () => {
    // @ts-expect-error port is a number reference, not a string
    needsString(planned.output.port);
    needsNumber(planned.output.port);
    expectTypeOf(planned.output.port).not.toExtend<string>();
    expectTypeOf(planned.output.port).toExtend<number>();
    // @ts-expect-error a reference to a string is not a number either
    needsNumber(planned.output.id);
  });

  it('unknown output keys are rejected', () => {
    expectTypeOf(planned.output).toHaveProperty('id');
    expectTypeOf(planned.output).not.toHaveProperty('ip');
  });

  it('nested object outputs give nested references', () => {
    expectTypeOf(nested.output.machine.ip).toEqualTypeOf<OutputReference<string>>();
    needsString(nested.output.machine.ip);
    expectTypeOf(nested.output.machine).toExtend<{ ip: string }>();
    expectTypeOf(nested.output.machine.disks[0]).toEqualTypeOf<
      OutputReference<{ size: number }> | undefined
    >();
    // @ts-expect-error ip is a string reference
    needsNumber(nested.output.machine.ip);
    expectTypeOf(nested.output.machine).not.toHaveProperty('mac');
  });

  it('a reference to an array output is accepted where the array type is expected', () => {
    // DESIGN §2: "a reference to T is accepted where T is expected" — also for arrays.
    const disks: { size: number }[] = nested.output.machine.disks;
    expectTypeOf(disks).toEqualTypeOf<{ size: number }[]>();
  });

  it('a whole output reference fits where the output type is expected', () => {
    const whole: { id: string; port: number } = planned.output;
    expectTypeOf(whole).toEqualTypeOf<{ id: string; port: number }>();
  });

  it('the handle exposes id, className and the typed input', () => {
    expectTypeOf(planned.id).toEqualTypeOf<number>();
    expectTypeOf(planned.className).toEqualTypeOf<string>();
    expectTypeOf(planned.input).toEqualTypeOf<Readonly<{ name: string }>>();
    expectTypeOf<InputOf<CreateMachine>>().toEqualTypeOf<{ name: string }>();
    expectTypeOf<OutputOf<CreateMachine>>().toEqualTypeOf<{ id: string; port: number }>();
  });
});

describe('planAction checks plan() arguments', () => {
  it('accepts the arguments of CreateMachine.plan and returns a typed handle', () => {
    expectTypeOf<PlanArgs<typeof CreateMachine>>().toEqualTypeOf<
      [name: string, options?: { port?: number }]
    >();
    class Infrastructure extends Action {
      override plan() {
        const db = this.planAction(CreateMachine, 'db');
        expectTypeOf(db).toEqualTypeOf<Planned<CreateMachine>>();
        this.planAction(CreateMachine, 'web', { port: 80 });
        // @ts-expect-error name must be a string
        this.planAction(CreateMachine, 42);
        // @ts-expect-error the port option must be a number
        this.planAction(CreateMachine, 'web', { port: '80' });
        // @ts-expect-error name is required
        this.planAction(CreateMachine);
        // @ts-expect-error too many arguments
        this.planAction(CreateMachine, 'web', {}, 'extra');
        // a reference to a string fits the string parameter
        this.planAction(CreateMachine, db.output.id);
        // @ts-expect-error a reference to a number does not
        this.planAction(CreateMachine, db.output.port);
      }
    }
    expectTypeOf(Infrastructure).toBeConstructibleWith();
  });

  it('world.trigger checks the same arguments', () => {
    const world = new World();
    // type-level only: test-d files are type-checked, never run
    expectTypeOf(world.trigger(CreateMachine, 'db').id).toEqualTypeOf<string>();
    // @ts-expect-error name must be a string
    world.trigger(CreateMachine, 1);
  });

  it('planSelf takes the action input type', () => {
    class Typed extends Action<{ name: string }> {
      override plan() {
        this.planSelf({ name: 'x' });
        // @ts-expect-error name must be a string
        this.planSelf({ name: 1 });
        // @ts-expect-error name is required
        this.planSelf({});
      }
    }
    expectTypeOf(Typed).toBeConstructibleWith();
  });
});
