/**
 * CSRF tokens as the console signs them (properties): only a token issued with this console's key
 * for this session verifies; any other string, however well formed, does not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csrfKey, issueCsrfToken, verifyCsrfToken } from '../../src/console/security.js';
import { TOKEN } from './helpers.js';

describe('signing (properties)', () => {
  const key = csrfKey(undefined);
  const otherKey = csrfKey(undefined);
  const session = fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 50 }));
  const base64url = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');

  it('no value passes unless this key issued it for this session', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: fc.constantFrom(...base64url), minLength: 43, maxLength: 43 }),
      fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((b) => Buffer.from(b).toString('base64url')),
    );
    fc.assert(
      fc.property(value, session, (given, bound) => {
        expect(verifyCsrfToken(key, bound, given)).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('an issued token passes only with its key and its session, and not once altered', () => {
    fc.assert(
      fc.property(
        session,
        session,
        fc.nat(42),
        fc.constantFrom(...base64url),
        (bound, other, index, replacement) => {
          const issued = issueCsrfToken(key, bound);
          expect(issued).toMatch(/^[\w-]{43}$/);
          expect(verifyCsrfToken(key, bound, issued)).toBe(true);
          expect(verifyCsrfToken(otherKey, bound, issued)).toBe(false);
          if (other !== bound) expect(verifyCsrfToken(key, other, issued)).toBe(false);
          const altered = issued.slice(0, index) + replacement + issued.slice(index + 1);
          if (altered !== issued) expect(verifyCsrfToken(key, bound, altered)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('consoles given the same token share the key; another token gives another key', () => {
    expect(csrfKey(TOKEN).equals(csrfKey(TOKEN))).toBe(true);
    expect(csrfKey(TOKEN).equals(csrfKey(`${TOKEN}x`))).toBe(false);
    expect(csrfKey(undefined).equals(csrfKey(undefined))).toBe(false);
  });
});
