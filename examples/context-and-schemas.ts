/**
 * Injected services and validated input/output.
 *
 * An order is charged, then a receipt is mailed. The payment client and the mailer are services
 * the world hands every action as `this.context` (`new World({ context })`): no module singletons,
 * and a test world gets fakes. The action classes say which services they use with their third
 * type argument, `Action<Input, Output, Shop>`; the world is typed `World<Shop>`, so its `context`
 * option is checked. (An application can instead declare its services once by merging them into
 * the `FlowlineContext` interface: see docs/services-and-schemas.md.)
 *
 * `Charge` describes its input and output with zod schemas (`static override input` / `output`),
 * `MailReceipt` its input with a valibot schema (`withSchemas`): planning checks the input, so the order with a
 * negative amount is refused before anything runs (`INVALID_INPUT`, issues listed); defaults are
 * filled in (the currency); and the output of `Charge` is checked when its run ends.
 *
 * Run it with `npx tsx examples/context-and-schemas.ts`.
 */
import * as v from 'valibot';
import { z } from 'zod';
import type { ExecutionPlan } from '../src/index.js';
import { Action, World, withSchemas } from '../src/index.js';

/** The services of the shop: what actions reach through `this.context`. */
interface Shop {
  readonly payments: { charge(orderId: string, cents: number, currency: string): Promise<string> };
  readonly mailer: { send(to: string, text: string): Promise<void> };
}

const ChargeInput = z.object({
  orderId: z.string().min(1),
  cents: z.number().int().positive(),
  currency: z.string().length(3).default('EUR'),
});
const ChargeOutput = z.object({ chargeId: z.string().startsWith('ch_') });

/** Charges the order; input and output typed from the zod schemas and checked by them. */
class Charge extends Action<z.output<typeof ChargeInput>, z.output<typeof ChargeOutput>, Shop> {
  static override input = ChargeInput;
  static override output = ChargeOutput;
  async run() {
    const { orderId, cents, currency } = this.input; // currency defaulted to EUR by the schema
    this.output.chargeId = await this.context.payments.charge(orderId, cents, currency);
  }
}

const ReceiptInput = v.object({ email: v.pipe(v.string(), v.email()), chargeId: v.string() });

/**
 * Mails the receipt. `withSchemas` sets `static input` and types the action from the valibot
 * schema; it uses the default context type, so it names its services with a cast.
 */
class MailReceipt extends withSchemas({ input: ReceiptInput }) {
  async run() {
    const { mailer } = this.context as Shop;
    await mailer.send(this.input.email, `Paid: ${this.input.chargeId}`);
  }
}

/** The order: charge, then mail the receipt with the charge id (an output reference). */
class PlaceOrder extends Action {
  override plan(order: { orderId: string; cents: number; email: string }) {
    this.sequence(() => {
      const charged = this.planAction(Charge, { orderId: order.orderId, cents: order.cents });
      this.planAction(MailReceipt, { email: order.email, chargeId: charged.output.chargeId });
    });
  }
}

// Fakes here; a real app passes its HTTP client, database pool and mailer.
const shop: Shop = {
  payments: {
    charge: async (orderId, cents, currency) => {
      console.log(`  [payments] charging ${orderId}: ${cents} ${currency}`);
      return `ch_${orderId}`;
    },
  },
  mailer: {
    send: async (to, text) => {
      console.log(`  [mailer] to ${to}: ${text}`);
    },
  },
};

const world = new World<Shop>({ actions: [Charge, MailReceipt, PlaceOrder], context: shop });
await world.start();

console.log('Order 1: a valid order');
const ok = await world.trigger(PlaceOrder, {
  orderId: 'o-1',
  cents: 2500,
  email: 'ada@example.com',
}).finished;
console.log(`  → ${ok.state}/${ok.result}; Charge input as stored:`, ok.actions[1]?.input);

/** Prints how a refused plan failed: the issues on the plan step of the action concerned. */
function explain(plan: ExecutionPlan): void {
  console.log(`  → ${plan.state}/${plan.result}`);
  for (const step of plan.steps.filter((s) => s.error?.details?.issues !== undefined)) {
    console.log(`  ${step.className}: ${step.error?.code}`);
    for (const issue of step.error?.details?.issues ?? []) {
      console.log(`    - ${issue.path.join('.')}: ${issue.message}`);
    }
  }
}

console.log('\nOrder 2: a negative amount, refused when Charge is planned; nothing is charged');
explain(
  await world.trigger(PlaceOrder, { orderId: 'o-2', cents: -5, email: 'bob@example.com' }).finished,
);

console.log('\nOrder 3: a bad e-mail address, refused when MailReceipt is planned');
explain(await world.trigger(PlaceOrder, { orderId: 'o-3', cents: 900, email: 'nope' }).finished);

await world.close();
