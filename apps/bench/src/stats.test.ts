import { describe, expect, it } from '@jest/globals';
import { percentile, ratio, summarize } from './stats.js';

describe('percentile', () => {
  it('when asked for the median of an odd series, then it is the middle sample', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3);
  });

  it('when asked for p99 of 100 samples, then it is the 99th (nearest rank)', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile(samples, 0)).toBe(1);
  });

  it('when the series is empty, then it is NaN', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('when samples arrive unsorted, then the figures are those of the sorted series', () => {
    expect(summarize([5, 1, 4, 2, 3])).toEqual({ count: 5, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
  });
});

describe('ratio', () => {
  it('when the base is missing or zero, then the ratio is NaN rather than Infinity', () => {
    expect(ratio(10, 0)).toBeNaN();
    expect(ratio(10, undefined)).toBeNaN();
    expect(ratio(10, 4)).toBe(2.5);
  });
});
