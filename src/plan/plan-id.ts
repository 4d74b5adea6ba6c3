import { createHash, randomFillSync } from 'node:crypto';

/** Random bytes drawn in blocks: one `randomFillSync` call serves many ids. */
const pool = new Uint8Array(16 * 256);
let used = pool.length;

/**
 * A new execution plan id: a UUID version 7 (RFC 9562), 48 bits of Unix milliseconds followed by
 * 74 random bits, in the usual 8-4-4-4-12 text form.
 *
 * Ids made one after the other sort in the order they were made (to the millisecond), so new plans
 * land at the end of a store's id index instead of at a random page of it: a group commit of a
 * hundred new plans writes a few index pages, not a hundred. Written here rather than taken from a
 * package because it is a dozen lines and the maintained `uuid` package is ESM-only, which our
 * CommonJS build would have to bundle.
 *
 * @param nowMs - the current time in Unix milliseconds (the world's clock)
 * @internal
 */
export function newPlanId(nowMs: number): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = pool.subarray(used, used + 16);
  used += 16;
  let time = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The plan id of a `world.triggerWith` given an idempotency key and no id: a UUID version 8
 * (RFC 9562, custom) made of the first 122 bits of SHA-256 over the key. Every world, in every
 * process, names the same plan for the same key at once, before anything is read from the store.
 *
 * @param key - the idempotency key
 * @internal
 */
export function planIdForKey(key: string): string {
  const bytes = createHash('sha256').update(`flowline:idempotency-key:${key}`, 'utf8').digest();
  bytes[6] = 0x80 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
