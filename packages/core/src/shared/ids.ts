import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_LENGTH = 12;
/** Matches ids made by {@link newImageId}; anything else is rejected before it reaches a key or a query. */
export const IMAGE_ID_PATTERN = /^[0-9A-Za-z]{12}$/;

/** `length` base62 characters from the CSPRNG, uniform: rejection sampling avoids modulo bias. */
export function randomBase62(length: number): string {
  let id = '';
  while (id.length < length) {
    for (const byte of randomBytes(16)) {
      if (byte < 248 && id.length < length) id += ID_ALPHABET[byte % 62];
    }
  }
  return id;
}

/** 12 base62 characters (~71 bits). */
export function newImageId(): string {
  return randomBase62(ID_LENGTH);
}

export function isImageId(value: string): boolean {
  return IMAGE_ID_PATTERN.test(value);
}

/** Delete tokens (and their hashes) are shared by images and pastes. */
/** A secret shown once to the uploader; only its hash is stored. */
export function newDeleteToken(): string {
  return randomBytes(24).toString('base64url');
}

export function hashDeleteToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export function deleteTokenMatches(token: string, expectedHash: Buffer): boolean {
  const actual = hashDeleteToken(token);
  return actual.length === expectedHash.length && timingSafeEqual(actual, expectedHash);
}
