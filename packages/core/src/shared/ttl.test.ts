import { describe, expect, it } from '@jest/globals';
import { isAppError } from '../errors/app-error.js';
import { expiryChoicesWithin, parseDuration, resolveExpiry } from './ttl.js';

describe('parseDuration', () => {
  it.each([
    ['90', 90],
    ['90s', 90],
    ['10m', 600],
    ['1h', 3600],
    ['7d', 604_800],
    ['2w', 1_209_600],
    ['1mo', 2_592_000],
    ['1y', 31_536_000],
    [' 1h ', 3600],
    ['100y', 3_153_600_000],
    ['99y', 3_122_064_000],
    ['999mo', 2_589_408_000],
    ['999999999', 999_999_999],
  ])('when given %p, then it is %p seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it('when given never, then there is no expiry', () => {
    expect(parseDuration('never')).toBeNull();
  });

  it.each([
    'soon',
    '-1h',
    '1.5h',
    '10 minutes',
    '1x',
    '',
    '0',
    '0s',
    '1M',
    '1H',
    '1MO',
    'Never',
    '101y',
    '280000y',
    '999999999y',
    '10000d',
    '1000w',
    '99999999m',
    '0100y',
  ])('when given %p, then it is a validation error', (input) => {
    let error: unknown;
    try {
      parseDuration(input);
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error.code === 'VALIDATION_FAILED' && error.status === 400).toBe(true);
  });
});

describe('resolveExpiry', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('when no expiry is asked for, then the default applies', () => {
    expect(resolveExpiry(undefined, { defaultSeconds: null, maxSeconds: null }, now)).toBeNull();
    expect(resolveExpiry('', { defaultSeconds: 3600, maxSeconds: null }, now)).toEqual(
      new Date('2026-01-01T01:00:00Z'),
    );
  });

  it('when an expiry is asked for, then it counts from now', () => {
    expect(resolveExpiry('1d', { defaultSeconds: null, maxSeconds: null }, now)).toEqual(
      new Date('2026-01-02T00:00:00Z'),
    );
  });

  it('when the ask exceeds the maximum, or is never while a maximum is set, then it is refused', () => {
    const policy = { defaultSeconds: 3600, maxSeconds: 86_400 };
    expect(() => resolveExpiry('2d', policy, now)).toThrow(/at most 86400 seconds/);
    expect(() => resolveExpiry('never', policy, now)).toThrow(/must expire/);
    expect(resolveExpiry('1d', policy, now)).toEqual(new Date('2026-01-02T00:00:00Z'));
  });
});

describe('expiry choices', () => {
  it('when a maximum is configured, then only choices within it are offered and never is not', () => {
    expect(expiryChoicesWithin({ maxSeconds: 7 * 86_400 })).toEqual(['10m', '1h', '1d', '1w']);
  });

  it('when there is no maximum, then every choice including never is offered', () => {
    expect(expiryChoicesWithin({ maxSeconds: null })).toContain('never');
  });
});
