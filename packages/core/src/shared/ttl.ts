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

/** The longest expiry anyone may ask for, EXPIRY_MAX or not: 100 years (of 365 days). */
export const EXPIRY_CEILING_SECONDS = 100 * UNIT_SECONDS.y!;

/**
 * What `expiresIn` accepts: `never`, or a positive whole number with a unit, exactly as written
 * (`M` is no unit), with at most as many digits per unit as stay within 100 years: seconds 9 (no
 * unit means seconds), minutes 7, hours 5, days 4, weeks 3, months 3, years 2, or `100y`. So any
 * value that matches is one Pictor accepts (EXPIRY_MAX aside).
 */
export const DURATION_PATTERN =
  /^(never|[1-9][0-9]{0,8}s?|[1-9][0-9]{0,6}m|[1-9][0-9]{0,4}h|[1-9][0-9]{0,3}d|[1-9][0-9]{0,2}w|[1-9][0-9]{0,2}mo|[1-9][0-9]?y|100y)$/;

/** Values accepted by `expiresIn`, as offered by the web page. */
export const EXPIRY_CHOICES = ['10m', '1h', '1d', '1w', '1mo', '6mo', 'never'] as const;

/**
 * Parses a duration such as `90s`, `10m`, `1h`, `7d`, `2w`, `1mo`, `1y`, a plain number of
 * seconds, or `never`. Returns seconds, or null for `never`. Units are case-exact (`1M` is not a
 * month, nor a minute); `0` is not "never" but an error; at most 100 years.
 */
export function parseDuration(input: string): number | null {
  const value = input.trim();
  const match = DURATION_PATTERN.exec(value);
  if (!match) {
    throw ERRORS.validationFailed(
      `"${input.slice(0, 40)}" is not a duration: a positive number with s, m, h, d, w, mo or y within 100 years (e.g. 10m, 7d, 1mo, 5y), or never.`,
    );
  }
  if (value === 'never') return null;
  const unit = /[a-z]+$/.exec(value)?.[0] ?? 's';
  const seconds = Number.parseInt(value, 10) * (UNIT_SECONDS[unit] ?? 1);
  if (seconds > EXPIRY_CEILING_SECONDS) {
    throw ERRORS.validationFailed(`A duration may be at most 100 years (${EXPIRY_CEILING_SECONDS} seconds).`, {
      maxSeconds: EXPIRY_CEILING_SECONDS,
    });
  }
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
