import { describe, expect, it } from '@jest/globals';
import { ALL_ENGINES, normalizeOnly } from './names.ts';

describe('normalizeOnly', () => {
  it('when no engine is named, then every engine is wanted', () => {
    expect(normalizeOnly(undefined)).toEqual([...ALL_ENGINES]);
  });

  it('when engines are named in any order, then they come back in the engines’ own order', () => {
    expect(normalizeOnly('minio,postgres')).toEqual(['postgres', 'minio']);
    expect(normalizeOnly(['kubernetes', 'redis'])).toEqual(['redis', 'kubernetes']);
  });

  it('when an unknown engine is named, then it fails naming it and the known ones', () => {
    expect(() => normalizeOnly('postgres,mysql')).toThrow(`unknown engine "mysql" (known: ${ALL_ENGINES.join(', ')})`);
  });
});
