/**
 * Values an action may throw that are hard to read: each kind of defect 4 of issue 11 and the
 * non-errors of defect 9. Made fresh by each call, since some are single-use (revoked proxies).
 */

/** A named thrown value and what its stored message must contain. */
export interface HostileThrow {
  readonly name: string;
  readonly make: () => unknown;
  /** A fragment the stored error message contains. */
  readonly says: RegExp;
}

function errorWithThrowingGetter(property: 'message' | 'stack'): Error {
  const error = new Error('you will not read this');
  Object.defineProperty(error, property, {
    get() {
      throw new Error(`the ${property} getter throws`);
    },
  });
  return error;
}

/** The thrown values the engine must store as readable errors. */
export const hostileThrows: readonly HostileThrow[] = [
  {
    name: 'an Error whose message getter throws',
    make: () => errorWithThrowingGetter('message'),
    says: /message cannot be read/,
  },
  {
    name: 'an Error whose stack getter throws',
    make: () => errorWithThrowingGetter('stack'),
    says: /you will not read this/,
  },
  {
    name: 'an Error whose constructor is null',
    make: () => Object.assign(new Error('no constructor'), { constructor: null }),
    says: /no constructor/,
  },
  {
    name: 'a revoked Proxy',
    make: () => {
      const { proxy, revoke } = Proxy.revocable(new Error('revoked'), {});
      revoke();
      return proxy;
    },
    says: /non-error value thrown: an object that cannot be turned into text/,
  },
  {
    name: 'a Proxy whose every trap throws',
    make: () =>
      new Proxy(new Error('trapped'), {
        get() {
          throw new Error('get trap');
        },
        getPrototypeOf() {
          throw new Error('getPrototypeOf trap');
        },
        ownKeys() {
          throw new Error('ownKeys trap');
        },
        getOwnPropertyDescriptor() {
          throw new Error('getOwnPropertyDescriptor trap');
        },
      }),
    says: /non-error value thrown/,
  },
  {
    name: 'an object whose toString and toJSON throw',
    make: () => ({
      toString() {
        throw new Error('toString throws');
      },
      toJSON() {
        throw new Error('toJSON throws');
      },
    }),
    says: /non-error value thrown: an object that cannot be turned into text/,
  },
  { name: 'null', make: () => null, says: /non-error value thrown: null/ },
  { name: 'undefined', make: () => undefined, says: /non-error value thrown: undefined/ },
  { name: 'a symbol', make: () => Symbol('odd'), says: /non-error value thrown: Symbol\(odd\)/ },
  { name: 'a string', make: () => 'plain words', says: /^plain words$/ },
  {
    name: 'an Error whose message holds U+0000 and a lone surrogate',
    make: () => new Error('nul \u0000 and \uD800 here'),
    says: /^nul \uFFFD and \uFFFD here$/,
  },
];
