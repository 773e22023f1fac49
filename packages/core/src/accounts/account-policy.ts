import { COMMON_PASSWORDS } from './common-passwords.js';
import { ERRORS } from '../errors/errors.js';

export const USERNAME_PATTERN = /^[a-z0-9_-]{3,32}$/;
export const PASSWORD_MIN_LENGTH = 10;
/** Checked before any hashing, so a long password cannot buy CPU time (hash DoS). */
export const PASSWORD_MAX_LENGTH = 128;

/**
 * Names that are, or may become, paths and roles of Pictor itself (`/u/<name>`, `/<name>/<slug>`),
 * or that would let someone pose as the operator.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set([
  'about',
  'account',
  'accounts',
  'admin',
  'administrator',
  'api',
  'assets',
  'auth',
  'delete',
  'docs',
  'favicon.ico',
  'help',
  'hooks',
  'i',
  'login',
  'logout',
  'me',
  'metrics',
  'new',
  'null',
  'p',
  'pictor',
  'postmaster',
  'register',
  'reset',
  'root',
  'robots.txt',
  's',
  'security',
  'settings',
  'signin',
  'signout',
  'signup',
  'static',
  'support',
  'system',
  'u',
  'undefined',
  'upload',
  'user',
  'users',
  'v',
  'webmaster',
  'www',
]);

/**
 * The common-password list of zxcvbn-ts (49 233 leaked passwords, ranked by frequency); only those
 * long enough to pass the length rule matter, and only those are shipped (common-passwords.ts).
 */
const commonPasswords = new Set(COMMON_PASSWORDS);
function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.toLowerCase());
}

/**
 * A username as stored: lower case. Anything outside `[a-z0-9_-]` (unicode look-alikes included)
 * is refused rather than folded, so two names never render alike.
 */
export function parseUsername(raw: string): string {
  const username = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) {
    throw ERRORS.invalidUsername('3 to 32 characters: letters a–z, digits, _ and -.');
  }
  if (RESERVED_USERNAMES.has(username)) throw ERRORS.invalidUsername('This name is reserved.');
  return username;
}

const EMAIL_PATTERN =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * An email as stored: trimmed and lower-cased. Mail systems treat local parts case-insensitively in
 * practice, and two accounts for `Ann@x.org` and `ann@x.org` would share one mailbox.
 */
export function parseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) throw ERRORS.invalidEmail();
  return email;
}

/**
 * NIST SP 800-63B / OWASP: length 10–128 and not a known common password; no composition rules.
 * `context` (username, email) may not be the password either.
 */
export function checkPassword(password: string, context: readonly string[] = []): void {
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw ERRORS.weakPassword(`At most ${PASSWORD_MAX_LENGTH} characters.`);
  }
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw ERRORS.weakPassword(`At least ${PASSWORD_MIN_LENGTH} characters.`);
  }
  if (isCommonPassword(password)) throw ERRORS.weakPassword('This password is on a list of common passwords.');
  const lower = password.toLowerCase();
  if (context.some((c) => c.length > 0 && lower === c.toLowerCase())) {
    throw ERRORS.weakPassword('The password may not be your username or email.');
  }
}

/** A login is a username or an email; emails hold an @, usernames never do. */
export function isEmailLogin(login: string): boolean {
  return login.includes('@');
}

/** The form of a login that the repository looks up. Never throws: unknown shapes simply match nothing. */
export function normaliseLogin(login: string): string {
  return login.trim().toLowerCase();
}
