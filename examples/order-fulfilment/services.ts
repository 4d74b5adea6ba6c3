/**
 * The services an order-fulfilment app talks to, as in-process stand-ins: a payment provider, a
 * carrier and a mailer. A real app would wrap an HTTP client, a carrier API and an SMTP client the
 * same way and hand them to the world as its `context`, so the actions reach them as
 * `this.context` instead of through module singletons.
 */

/** A charge the payment provider made. */
export interface Charge {
  readonly id: string;
  readonly orderId: string;
  readonly amountCents: number;
  refunded: boolean;
}

/** A payment provider that keeps its charges in memory and can be told to decline. */
export class PaymentProvider {
  readonly charges: Charge[] = [];
  /** Orders whose charge the provider declines. */
  readonly declines = new Set<string>();

  /** Charges the order; the same idempotency key never charges twice (as Stripe's does). */
  charge(orderId: string, amountCents: number, idempotencyKey: string): Charge {
    if (this.declines.has(orderId)) throw new Error(`card declined for order ${orderId}`);
    const existing = this.charges.find((charge) => charge.id === idempotencyKey);
    if (existing !== undefined) return existing;
    const charge: Charge = { id: idempotencyKey, orderId, amountCents, refunded: false };
    this.charges.push(charge);
    return charge;
  }

  /** Refunds a charge (again is a no-op). */
  refund(chargeId: string): void {
    const charge = this.charges.find((c) => c.id === chargeId);
    if (charge === undefined) throw new Error(`no charge ${chargeId}`);
    charge.refunded = true;
  }
}

/** A carrier that books shipments; it reports the pickup later through a webhook. */
export class Carrier {
  readonly bookings: { orderId: string; callbackUrl: string }[] = [];
  /** Orders the carrier cannot ship (the label step fails). */
  readonly refusals = new Set<string>();

  readonly #waiting = new Map<string, (callbackUrl: string) => void>();

  /** Books a pickup; the carrier will POST to `callbackUrl` once the parcel ships. */
  book(orderId: string, callbackUrl: string): void {
    this.bookings.push({ orderId, callbackUrl });
    this.#waiting.get(orderId)?.(callbackUrl);
  }

  /** Resolves to the callback URL of the order's booking, once it is booked (a simulation hook). */
  booked(orderId: string): Promise<string> {
    const booking = this.bookings.find((b) => b.orderId === orderId);
    if (booking !== undefined) return Promise.resolve(booking.callbackUrl);
    return new Promise((resolve) => this.#waiting.set(orderId, resolve));
  }

  /** Prints the shipping label for a shipped parcel. */
  label(orderId: string, tracking: string): string {
    if (this.refusals.has(orderId)) throw new Error(`the carrier refused order ${orderId}`);
    return `label:${orderId}:${tracking}`;
  }
}

/** A mailer that keeps what it sent. */
export class Mailer {
  readonly sent: { to: string; subject: string }[] = [];

  send(to: string, subject: string): void {
    this.sent.push({ to, subject });
  }
}

/** Everything the actions use, given to the world as its `context`. */
export interface Services {
  readonly payments: PaymentProvider;
  readonly carrier: Carrier;
  readonly mailer: Mailer;
  /** Where the carrier's webhook reaches this app (set once the server listens). */
  publicUrl: string;
}
