import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineExceeded, hasPassword, redactUrl, unavailableCause } from './store-errors.js';

const coded = (code: string, message = 'm') => Object.assign(new Error(message), { code });

describe('store errors', () => {
  it('counts connection, timeout, lock, disk and credential failures as unavailability', () => {
    for (const error of [
      coded('ECONNREFUSED'),
      coded('ECONNRESET'),
      new AggregateError([coded('ECONNREFUSED')]),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new DeadlineExceeded('PostgreSQL query', 6000),
      coded('57P01', 'terminating connection due to administrator command'),
      coded('57014', 'canceling statement due to statement timeout'),
      coded('55P03', 'canceling statement due to lock timeout'),
      coded('53100', 'could not extend file: No space left on device'),
      coded('28P01', 'password authentication failed for user "quark"'),
      coded('3D000', 'database "x" does not exist'),
      coded('08006'),
      coded('SQLITE_BUSY'),
      coded('SQLITE_BUSY_SNAPSHOT'),
      coded('SQLITE_READONLY'),
      coded('SQLITE_FULL'),
      coded('SQLITE_IOERR_WRITE'),
    ]) {
      assert.ok(unavailableCause(error), `${(error as { code?: string }).code ?? error.message}`);
    }
  });

  it('leaves bugs and schema errors to be 500s', () => {
    for (const error of [
      new TypeError('x is undefined'),
      coded('23505', 'duplicate key value violates unique constraint'),
      coded('42P01', 'relation "networks" does not exist'),
      coded('SQLITE_CONSTRAINT_PRIMARYKEY'),
      coded('SQLITE_ERROR', 'no such table: meta'),
    ]) {
      assert.equal(unavailableCause(error), null, error.message);
    }
  });

  it('says why in a few words, without a password', () => {
    assert.equal(unavailableCause(coded('ECONNREFUSED')), 'connection refused (ECONNREFUSED)');
    assert.equal(
      unavailableCause(coded('28P01', 'password authentication failed for user "quark"')),
      'PostgreSQL: password authentication failed for user "quark" (SQLSTATE 28P01)',
    );
  });

  it('redacts passwords from URLs and leaves paths alone', () => {
    assert.equal(redactUrl('postgres://quark:s3cret@db:5432/quark'), 'postgres://quark:***@db:5432/quark');
    assert.equal(
      redactUrl('postgres://quark@db/quark?sslmode=require&password=s3cret'),
      'postgres://quark@db/quark?sslmode=require&password=***',
    );
    assert.equal(redactUrl('postgres://db/quark'), 'postgres://db/quark');
    assert.equal(redactUrl('/var/lib/quark/quark.db'), '/var/lib/quark/quark.db');
    assert.ok(!redactUrl('postgres://u:p@ss@w0rd@db/q').includes('w0rd'));
    assert.equal(hasPassword('postgres://quark:s3cret@db/quark'), true);
    assert.equal(hasPassword('postgres://quark@db/quark'), false);
    assert.equal(hasPassword('--db'), false);
  });
});
