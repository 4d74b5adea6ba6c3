/**
 * The services a world gives its actions as `this.context` (and its middleware as `context`): the
 * HTTP client, the database pool, the mailer. Empty here; declare yours once by merging into it, and
 * `new World({ context })` then checks the object you pass:
 *
 * @example
 * ```ts
 * declare module 'flowline' {
 *   interface FlowlineContext {
 *     payments: PaymentClient;
 *     mailer: Mailer;
 *   }
 * }
 * const world = new World({ context: { payments, mailer }, actions: [Charge] });
 * ```
 */
// Empty on purpose: applications add their services by declaration merging.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FlowlineContext {}
