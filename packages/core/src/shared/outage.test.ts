import { describe, expect, it } from '@jest/globals';
import { isOutage } from './outage.js';

const withCode = (code: string) => Object.assign(new Error(code), { code });

describe('isOutage', () => {
  it.each(['08006', '08001', '57P01', '57014', '53300', '58030', '40001', '40P01'])(
    'when the database answers SQLSTATE %s, then it is an outage',
    (code) => {
      expect(isOutage(withCode(code))).toBe(true);
    },
  );

  it.each(['22021', '22008', '22P02', '23505', '42703', '2201B'])(
    'when the database refuses a value with SQLSTATE %s, then it is not an outage',
    (code) => {
      expect(isOutage(withCode(code))).toBe(false);
    },
  );

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'SlowDown'])(
    'when a connection or storage fails with %s, then it is an outage',
    (code) => {
      expect(isOutage(withCode(code))).toBe(true);
    },
  );

  it('when a pool times out without a code, then it is an outage', () => {
    expect(isOutage(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });
});
