import { describe, expect, it } from '@jest/globals';
import { firstFreeSlug, isSlugLike, slugBaseFor } from './paste-slug.js';

describe('slugBaseFor', () => {
  it('when the title is Latin, Cyrillic or German, then the slug is transliterated, lower-case and dashed', () => {
    expect(slugBaseFor('Build log: CI #42!', 'Ab3dEf9h')).toBe('build-log-ci-42');
    expect(slugBaseFor('Привет мир', 'Ab3dEf9h')).toBe('privet-mir');
    expect(slugBaseFor('Größe über alles', 'Ab3dEf9h')).toBe('groesse-ueber-alles');
  });

  it('when the title is only emoji, Japanese or ../, then the slug falls back to the id', () => {
    expect(slugBaseFor('🎉🔥', 'Ab3dEf9h')).toBe('ab3def9h');
    expect(slugBaseFor('日本語', 'Ab3dEf9h')).toBe('ab3def9h');
    expect(slugBaseFor('../', 'Ab3dEf9h')).toBe('ab3def9h');
    expect(slugBaseFor(null, 'Ab3dEf9h')).toBe('ab3def9h');
  });

  it('when the title holds HTML, then the slug holds none of its markup', () => {
    const slug = slugBaseFor('<script>alert(1)</script>', 'Ab3dEf9h');
    expect(slug).toBe('script-alert-1-script');
    expect(isSlugLike(slug)).toBe(true);
  });

  it('when the title is very long, then the slug is cut to 80 characters without a trailing dash', () => {
    const slug = slugBaseFor('word '.repeat(100), 'Ab3dEf9h');
    expect(slug.length).toBeLessThanOrEqual(80);
    expect(slug.endsWith('-')).toBe(false);
    expect(isSlugLike(slug)).toBe(true);
  });
});

describe('firstFreeSlug', () => {
  it('when the slug is free, then it is used as is', () => {
    expect(firstFreeSlug('notes', new Set())).toBe('notes');
  });

  it('when the slug and its -2 are taken, then -3 is chosen', () => {
    expect(firstFreeSlug('notes', new Set(['notes', 'notes-2']))).toBe('notes-3');
  });

  it('when the slug is a reserved word such as raw or edit, then it gets a suffix', () => {
    expect(firstFreeSlug('raw', new Set())).toBe('raw-2');
    expect(firstFreeSlug('edit', new Set(['edit-2']))).toBe('edit-3');
  });
});

describe('isSlugLike', () => {
  it('when a path segment is a traversal, upper-case or empty, then it is no slug', () => {
    for (const value of ['..', '../etc', 'Notes', '', '-x', 'a/b', 'a b']) expect(isSlugLike(value)).toBe(false);
  });
});
