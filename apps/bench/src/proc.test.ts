import { describe, expect, it } from '@jest/globals';
import { parseProcStat, parseRssBytes, processTree, treeCpuMs, type ProcStat } from './proc.js';

describe('parseProcStat', () => {
  it('when the command name holds spaces and parentheses, then the fields after it are still read', () => {
    const line =
      '4242 (postgres: a (b) c) S 100 4242 4242 0 -1 4194560 1000 0 0 0 250 75 30 12 20 0 1 0 123 456789 1024 18446744073709551615';
    expect(parseProcStat(line)).toEqual({
      pid: 4242,
      ppid: 100,
      state: 'S',
      utime: 250,
      stime: 75,
      cutime: 30,
      cstime: 12,
    });
  });

  it('when the text is not a stat line, then it throws', () => {
    expect(() => parseProcStat('garbage')).toThrow('not a /proc stat line');
  });
});

describe('parseRssBytes', () => {
  it('when VmRSS is present, then it is returned in bytes', () => {
    expect(parseRssBytes('Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t   51200 kB\n')).toBe(51200 * 1024);
  });

  it('when VmRSS is absent (a zombie), then it is NaN', () => {
    expect(parseRssBytes('Name:\tnode\nState:\tZ (zombie)\n')).toBeNaN();
  });
});

describe('process trees', () => {
  const stat = (pid: number, ppid: number, utime: number, cutime = 0): ProcStat => ({
    pid,
    ppid,
    state: 'S',
    utime,
    stime: 0,
    cutime,
    cstime: 0,
  });
  const stats = [stat(1, 0, 5), stat(10, 1, 100, 40), stat(11, 10, 20), stat(12, 11, 3), stat(20, 1, 7)];

  it('when a root has descendants, then the tree holds it and all of them, and nothing else', () => {
    expect(processTree([10], stats).sort((a, b) => a - b)).toEqual([10, 11, 12]);
  });

  it('when CPU is summed, then exited children of the root count but no process counts twice', () => {
    // (100 + 20 + 3) live ticks + 40 ticks of waited-for children, at CLK_TCK = 100.
    expect(treeCpuMs([10], stats)).toBeCloseTo(1630);
  });
});
