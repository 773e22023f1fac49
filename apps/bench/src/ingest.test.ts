import { describe, expect, it } from '@jest/globals';
import { parseGcCounts } from './ingest.bench.js';

describe('parseGcCounts', () => {
  it('when a process exports its GC histogram, then full collections count their final pauses and incremental steps', () => {
    const metrics = [
      '# HELP nodejs_gc_duration_seconds Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      'nodejs_gc_duration_seconds_bucket{le="0.001",target="api",kind="minor"} 3',
      'nodejs_gc_duration_seconds_sum{target="api",kind="minor"} 0.012',
      'nodejs_gc_duration_seconds_count{target="api",kind="minor"} 7',
      'nodejs_gc_duration_seconds_sum{target="api",kind="incremental"} 0.05',
      'nodejs_gc_duration_seconds_count{target="api",kind="incremental"} 40',
      'nodejs_gc_duration_seconds_sum{target="api",kind="major"} 0.025',
      'nodejs_gc_duration_seconds_count{target="api",kind="major"} 2',
    ].join('\n');
    const gc = parseGcCounts(metrics);
    expect(gc.major).toBe(2);
    expect(gc.majorMs).toBeCloseTo(75);
    expect(gc.minor).toBe(7);
    expect(gc.minorMs).toBeCloseTo(12);
  });

  it('when a kind has not happened yet, then it counts zero', () => {
    expect(parseGcCounts('nodejs_gc_duration_seconds_count{kind="minor"} 1')).toEqual({
      major: 0,
      majorMs: 0,
      minor: 1,
      minorMs: 0,
    });
  });
});
