import { describe, expect, it } from '@jest/globals';
import { deleteTokenMatches, hashDeleteToken, isImageId, newDeleteToken, newImageId } from './ids.js';

describe('image ids', () => {
  it('when ids are made, then they are 12 base62 characters and do not repeat', () => {
    const ids = new Set(Array.from({ length: 5000 }, () => newImageId()));
    expect(ids.size).toBe(5000);
    for (const id of ids) expect(isImageId(id)).toBe(true);
  });

  it('when a value could reach a path, then it is not an id', () => {
    for (const bad of ['../etc/passwd', 'abc', 'abcdefghijk!', 'abcdefghijklm', '', 'abc/defghijk']) {
      expect(isImageId(bad)).toBe(false);
    }
  });
});

describe('delete tokens', () => {
  it('when the token is given back, then it matches its stored hash, and no other token does', () => {
    const token = newDeleteToken();
    const hash = hashDeleteToken(token);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(deleteTokenMatches(token, hash)).toBe(true);
    expect(deleteTokenMatches(newDeleteToken(), hash)).toBe(false);
    expect(deleteTokenMatches('', hash)).toBe(false);
  });
});
