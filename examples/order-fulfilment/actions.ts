/**
 * The order-fulfilment saga: charge the card, book the carrier and wait for its webhook by name,
 * print the shipping label, e-mail the customer. Every action reaches the payment provider, the
 * carrier and the mailer through `this.context` (the world's injected {@link Services}).
 *
 * When the carrier refuses the parcel, `PrintLabel` fails and asks for a rollback
 * (`rescueStrategy() → 'rollback'`): the plan runs the `compensate()` of every action whose run
 * step succeeded, latest first — the booking is cancelled, the charge refunded — and stops
 * `cancelled`.
 */
import { z } from 'zod';
import type { JsonValue } from '../../src/index.js';
import { Action } from '../../src/index.js';
import type { Services } from './services.js';

/** What a customer orders (the body of `POST /orders`), checked when the order is planned. */
export const OrderInput = z.object({
  orderId: z.string().min(1),
  email: z.email(),
  amountCents: z.number().int().positive(),
});

/** An order, as `OrderInput` accepts it. */
export type Order = z.output<typeof OrderInput>;

/** The name the carrier's webhook is delivered under (`world.send(planId, SHIPPED, …)`). */
export const SHIPPED = 'carrier.shipped';

/** What the carrier's webhook posts once the parcel left the warehouse. */
export interface ShipmentNotice {
  readonly tracking: string;
}

/** Charges the order; refunded by a rollback. */
export class ChargePayment extends Action<Order, { chargeId: string }, Services> {
  static override input = OrderInput;
  static override retry = { retries: 2, minTimeout: 100 };

  run(): void {
    const { orderId, amountCents } = this.input;
    // The provider's own idempotency key: a run repeated after a crash never charges twice.
    const charge = this.context.payments.charge(orderId, amountCents, `charge:${orderId}`);
    this.output.chargeId = charge.id;
  }

  compensate(): void {
    this.context.payments.refund(this.output.chargeId);
    this.log.info(`refunded ${this.output.chargeId}`);
  }
}

/**
 * Books the pickup and waits for the carrier's webhook by name. The callback URL names the plan,
 * built from `this.executionPlanId` before suspending; the webhook handler only needs the plan id.
 */
export class AwaitShipment extends Action<
  { orderId: string },
  { tracking: string; callbackUrl: string },
  Services
> {
  /** How long the carrier has to pick the parcel up. */
  static readonly pickupWindowMs = 3 * 24 * 3600 * 1000;

  run(event?: JsonValue): void {
    if (event === undefined) {
      const callbackUrl = `${this.context.publicUrl}/carrier/${this.executionPlanId}`;
      this.context.carrier.book(this.input.orderId, callbackUrl);
      this.output.callbackUrl = callbackUrl;
      this.suspend({ waitFor: SHIPPED, timeoutMs: AwaitShipment.pickupWindowMs });
    }
    if (Action.isTimeout(event)) throw new Error('the carrier did not pick the parcel up in time');
    this.output.tracking = (event as unknown as ShipmentNotice).tracking;
  }
}

/** Prints the label; a refusal by the carrier rolls the whole order back. */
export class PrintLabel extends Action<
  { orderId: string; tracking: string },
  { label: string },
  Services
> {
  run(): void {
    this.output.label = this.context.carrier.label(this.input.orderId, this.input.tracking);
  }

  override rescueStrategy(): 'rollback' {
    return 'rollback';
  }
}

/** Tells the customer the parcel is on its way. */
export class EmailCustomer extends Action<{ email: string; tracking: string }, object, Services> {
  run(): void {
    this.context.mailer.send(this.input.email, `Shipped, tracking ${this.input.tracking}`);
  }
}

/** The order: charge, wait for the carrier, print the label, e-mail the customer. */
export class FulfilOrder extends Action {
  override plan(order: Order): void {
    this.sequence(() => {
      this.planAction(ChargePayment, order);
      const shipped = this.planAction(AwaitShipment, { orderId: order.orderId });
      this.planAction(PrintLabel, { orderId: order.orderId, tracking: shipped.output.tracking });
      this.planAction(EmailCustomer, { email: order.email, tracking: shipped.output.tracking });
    });
  }
}

/** Every action of the app, to register with the world. */
export const ORDER_ACTIONS = [ChargePayment, AwaitShipment, PrintLabel, EmailCustomer, FulfilOrder];
