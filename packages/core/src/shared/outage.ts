import { ERRORS } from '../errors/errors.js';

/**
 * SQLSTATE classes that mean the database cannot serve now, not that it refused what it was
 * given: connection exceptions (08), insufficient resources (53), operator intervention such as a
 * shutdown or a cancelled statement (57), system errors (58), and the transient serialization
 * failure and deadlock (40001, 40P01).
 */
const OUTAGE_SQLSTATE_CLASSES = new Set(['08', '53', '57', '58']);
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01']);
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Whether a failure of a dependency is an outage (retry later: 503) rather than a refusal of what
 * was sent. A database that rejects a value (invalid text, a date out of range, a constraint)
 * answers with an SQLSTATE of another class: that is a hole in validation, a bug, never an outage.
 * Anything else (sockets refused or reset, timeouts, pool exhaustion, storage errors) is one.
 */
export function isOutage(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && SQLSTATE.test(code)) {
    return OUTAGE_SQLSTATE_CLASSES.has(code.slice(0, 2)) || TRANSIENT_SQLSTATES.has(code);
  }
  return true;
}

/**
 * The error to answer when rows naming an owner could not be written because the database does
 * not know that owner (foreign key, 23503): the account was deleted between the request's
 * sign-in check and its insert. Its credentials name no account any more, so the answer is the
 * one for no credentials; any other failure is returned as it is.
 */
export function ownerGoneOr(error: unknown, ownerId: string | null | undefined): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (!ownerId || code !== '23503') return error;
  return ERRORS.authenticationRequired('The account this request was signed in as no longer exists.');
}
