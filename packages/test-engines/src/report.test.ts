import { describe, expect, it } from '@jest/globals';
import { redisServerArgs } from './redis.ts';
import { exportLines } from './report.ts';

describe('exportLines', () => {
  it('when a value holds shell characters, then it is single-quoted so the line can be sourced', () => {
    expect(exportLines({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pictor', S3_SECRET_KEY: "a b'c" })).toEqual([
      'export DATABASE_URL=postgres://postgres@127.0.0.1:5432/pictor',
      "export S3_SECRET_KEY='a b'\\''c'",
    ]);
  });
});

describe('redisServerArgs', () => {
  it('when a test Redis starts, then it listens on loopback only and keeps nothing on disk', () => {
    expect(redisServerArgs(6390, '/tmp/r')).toEqual([
      '--port',
      '6390',
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/tmp/r',
    ]);
  });
});
