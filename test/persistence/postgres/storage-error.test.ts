import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { FlowlineError } from '../../../src/index.js';
import { storageError } from '../../../src/persistence/postgres/storage-error.js';

/** An error as pg reports one the server sent. */
function serverError(code: string, message = 'server said no'): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code });
}

describe('storageError', () => {
  it.each([
    ['a serialization failure (40001)', serverError('40001')],
    ['a deadlock (40P01)', serverError('40P01')],
    ['a server shutting down (57P01)', serverError('57P01')],
    ['a connection exception (08006)', serverError('08006')],
    ['a refused connection', socketError('ECONNREFUSED')],
    ['a reset connection', socketError('ECONNRESET')],
    ['a refusal on every address of a host', new AggregateError([socketError('ECONNREFUSED')])],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a connect timeout', new Error('timeout exceeded when trying to connect')],
  ])('marks %s retryable', (_, cause) => {
    const error = storageError('write', cause);
    expect(error).toMatchObject({ code: 'STORAGE_ERROR', retryable: true, cause });
    expect(error.message).toMatch(/^postgres adapter: write failed: /);
  });

  it.each([
    ['a unique violation', serverError('23505')],
    ['a missing table', serverError('42P01')],
    ['a wrong password', serverError('28P01')],
    ['an error without a code', new Error('something else')],
  ])('does not mark %s retryable', (_, cause) => {
    expect(storageError('write', cause).retryable).toBe(false);
  });

  it('says a refused login is an authentication failure', () => {
    const error = storageError('start', serverError('28P01', 'password authentication failed'));
    expect(error.message).toMatch(/start failed: the server refused the login/);
    expect(error.message).toMatch(/authentication failed/);
  });

  it('says an unreachable server cannot be reached', () => {
    const error = storageError('start', new AggregateError([socketError('ECONNREFUSED')]));
    expect(error.message).toMatch(/cannot reach the PostgreSQL server/);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('passes a FlowlineError through unchanged', () => {
    const original = new FlowlineError('INVALID_PLAN', 'bad plan', { planId: 'p' });
    expect(storageError('loadPlan', original)).toBe(original);
  });
});
