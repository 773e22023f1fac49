import { ERRORS } from '../errors/errors.js';

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  mo: 2_592_000, // 30 days
  y: 31_536_000, // 365 days
};

/** Values accepted by `expiresIn`, as offered by the web page. */
export const EXPIRY_CHOICES = ['10m', '1h', '1d', '1w', '1mo', '6mo', 'never'] as const;

/**
 * Parses a duration such as `90s`, `10m`, `1h`, `7d`, `2w`, `1mo`, `1y`, a plain number of
 * seconds, or `never`. Returns seconds, or null for `never`.
 */
export function parseDuration(input: string): number | null {
  const value = input.trim().toLowerCase();
  if (value === 'never' || value === '0') return null;
  const match = /^(\d{1,9})(s|m|h|d|w|mo|y)?$/.exec(value);
  if (!match) throw ERRORS.validationFailed(`"${input}" is not a duration (e.g. 10m, 1h, 7d, 1mo, never).`);
  const amount = Number(match[1]);
  const seconds = amount * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
  if (seconds <= 0) throw ERRORS.validationFailed('A duration must be positive.');
  return seconds;
}

export interface ExpiryPolicy {
  /** Seconds; null means uploads never expire unless asked to. */
  defaultSeconds: number | null;
  /** Seconds; null means no maximum (and `never` is allowed). */
  maxSeconds: number | null;
}

/** Resolves an upload's `expiresIn` against the operator's policy into an absolute time. */
export function resolveExpiry(expiresIn: string | undefined, policy: ExpiryPolicy, now: Date): Date | null {
  const requested = expiresIn === undefined || expiresIn === '' ? policy.defaultSeconds : parseDuration(expiresIn);
  if (policy.maxSeconds !== null) {
    if (requested === null) {
      throw ERRORS.validationFailed(`Uploads must expire within ${policy.maxSeconds} seconds.`, {
        maxSeconds: policy.maxSeconds,
      });
    }
    if (requested > policy.maxSeconds) {
      throw ERRORS.validationFailed(`expiresIn may be at most ${policy.maxSeconds} seconds.`, {
        maxSeconds: policy.maxSeconds,
      });
    }
  }
  return requested === null ? null : new Date(now.getTime() + requested * 1000);
}

/** The choices an upload may pick under the policy: those within the maximum, `never` only without one. */
export function expiryChoicesWithin(policy: Pick<ExpiryPolicy, 'maxSeconds'>): string[] {
  return EXPIRY_CHOICES.filter((choice) => {
    const seconds = parseDuration(choice);
    if (policy.maxSeconds === null) return true;
    return seconds !== null && seconds <= policy.maxSeconds;
  });
}
