import { describe, expect, it } from '@jest/globals';
import { isAppError } from '../errors/app-error.js';
import {
  checkPasteText,
  decodePasteText,
  isPasteId,
  isPasteVisible,
  newPasteId,
  normalisePasteTitle,
  type PasteRecord,
} from './paste.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isAppError(error) ? `${error.status} ${error.code}` : 'not an AppError';
  }
  return undefined;
}

describe('newPasteId', () => {
  it('when ids are made, then each is 8 base62 characters and 10 000 of them never repeat', () => {
    const ids = Array.from({ length: 10_000 }, newPasteId);
    for (const id of ids) expect(isPasteId(id)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when ids are made one after another, then they are not a sequence (every position varies)', () => {
    const ids = Array.from({ length: 200 }, newPasteId);
    for (let position = 0; position < 8; position++) {
      expect(new Set(ids.map((id) => id[position])).size).toBeGreaterThan(20);
    }
  });

  it('when a value is not an id (path traversal, too long, symbols), then it is refused', () => {
    for (const value of ['../../etc', 'Ab3dEf9hX', 'Ab3dEf9', 'Ab3d-f9h', '']) expect(isPasteId(value)).toBe(false);
  });
});

describe('decodePasteText', () => {
  const limit = 1024 * 1024;

  it('when the bytes are valid UTF-8, then the text is returned as sent', () => {
    expect(decodePasteText(Buffer.from('grüße\r\n\tok', 'utf8'), limit)).toBe('grüße\r\n\tok');
  });

  it('when the bytes are not UTF-8, then 400 INVALID_TEXT', () => {
    expect(codeOf(() => decodePasteText(Buffer.from([0x61, 0xc3, 0x28]), limit))).toBe('400 INVALID_TEXT');
    expect(codeOf(() => decodePasteText(Buffer.from([0xff, 0xfe, 0x00]), limit))).toBe('400 INVALID_TEXT');
  });

  it('when the text holds a NUL byte, then 400 INVALID_TEXT', () => {
    expect(codeOf(() => decodePasteText(Buffer.from('a\u0000b'), limit))).toBe('400 INVALID_TEXT');
  });

  it('when the body is empty, then 400 EMPTY_PASTE', () => {
    expect(codeOf(() => decodePasteText(Buffer.alloc(0), limit))).toBe('400 EMPTY_PASTE');
  });

  it('when the text is 1 MiB, then it is accepted, and at 1 MiB + 1 byte it is 413 PASTE_TOO_LARGE', () => {
    expect(decodePasteText(Buffer.alloc(limit, 'a'), limit)).toHaveLength(limit);
    expect(codeOf(() => decodePasteText(Buffer.alloc(limit + 1, 'a'), limit))).toBe('413 PASTE_TOO_LARGE');
  });

  it('when a JSON string holds a lone surrogate, then 400 INVALID_TEXT', () => {
    expect(codeOf(() => checkPasteText('a\ud800b', limit))).toBe('400 INVALID_TEXT');
    expect(checkPasteText('emoji 🎉', limit).toString('utf8')).toBe('emoji 🎉');
  });
});

describe('normalisePasteTitle', () => {
  it('when a title is blank, then the paste has none', () => {
    expect(normalisePasteTitle('   ')).toBeNull();
    expect(normalisePasteTitle(undefined)).toBeNull();
  });

  it('when a title is 10 KB, then 400 INVALID_TITLE', () => {
    expect(codeOf(() => normalisePasteTitle('x'.repeat(10_240)))).toBe('400 INVALID_TITLE');
  });

  it('when a title holds a newline or control character, then 400 INVALID_TITLE', () => {
    expect(codeOf(() => normalisePasteTitle('a\nb'))).toBe('400 INVALID_TITLE');
    expect(codeOf(() => normalisePasteTitle('a\u0000b'))).toBe('400 INVALID_TITLE');
  });

  it('when a title is only emoji, only ../ or HTML, then it is kept as written (and escaped where shown)', () => {
    expect(normalisePasteTitle(' 🎉🔥 ')).toBe('🎉🔥');
    expect(normalisePasteTitle('../')).toBe('../');
    expect(normalisePasteTitle('<b>x</b>')).toBe('<b>x</b>');
  });
});

describe('isPasteVisible', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const paste = { status: 'active', expiresAt: null, ownerBlocked: false } satisfies Partial<PasteRecord>;

  it('when a paste expired a millisecond ago, is being deleted or its author is blocked, then it is not visible', () => {
    expect(isPasteVisible(paste, now)).toBe(true);
    expect(isPasteVisible({ ...paste, expiresAt: new Date(now.getTime() - 1) }, now)).toBe(false);
    expect(isPasteVisible({ ...paste, expiresAt: now }, now)).toBe(false);
    expect(isPasteVisible({ ...paste, status: 'deleting' }, now)).toBe(false);
    expect(isPasteVisible({ ...paste, ownerBlocked: true }, now)).toBe(false);
  });
});
