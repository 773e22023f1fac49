import { describe, expect, it } from '@jest/globals';
import { isAppError } from '../errors/app-error.js';
import { isOutage, ownerGoneOr } from './outage.js';

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

describe('ownerGoneOr', () => {
  const foreignKey = Object.assign(new Error('insert violates foreign key constraint'), { code: '23503' });

  it('when rows naming an owner fail on the foreign key, then the answer is 401 AUTHENTICATION_REQUIRED', () => {
    const answer = ownerGoneOr(foreignKey, 'acc_1');
    expect(isAppError(answer) ? [answer.code, answer.status] : answer).toEqual(['AUTHENTICATION_REQUIRED', 401]);
  });

  it('when there is no owner, or the failure is another one, then the error is returned as it is', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(ownerGoneOr(foreignKey, null)).toBe(foreignKey);
    expect(ownerGoneOr(unique, 'acc_1')).toBe(unique);
  });
});
