import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** What the bench reads of /proc/<pid>/stat; times in clock ticks. */
export interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  utime: number;
  stime: number;
  /** Times of children that exited and were waited for (PostgreSQL's backends, say). */
  cutime: number;
  cstime: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) may hold spaces and parentheses,
 * so fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${text.slice(0, 80)}`);
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 of proc(5) (state); field n sits at n - 3.
  const at = (n: number) => Number(fields[n - 3]);
  return {
    pid: Number(text.slice(0, open).trim()),
    ppid: at(4),
    state: fields[0] ?? '?',
    utime: at(14),
    stime: at(15),
    cutime: at(16),
    cstime: at(17),
  };
}

/** VmRSS of a /proc/<pid>/status text, in bytes (NaN when absent, e.g. a zombie). */
export function parseRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

let ticks: number | undefined;
/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux). */
export function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

function readStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** The pids of the processes rooted at `roots` (the roots and every live descendant). */
export function processTree(roots: readonly number[], stats: readonly ProcStat[] = allStats()): number[] {
  const children = new Map<number, number[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const seen = new Set<number>();
  const queue = roots.filter((pid) => stats.some((s) => s.pid === pid));
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

/**
 * CPU time (user + system) of the process trees rooted at `roots`, in ms: every live process of
 * the trees, plus what the roots' exited children used (their cutime/cstime, once waited for).
 */
export function treeCpuMs(roots: readonly number[], stats: readonly ProcStat[] = allStats()): number {
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  let total = 0;
  for (const pid of processTree(roots, stats)) {
    const s = byPid.get(pid)!;
    total += s.utime + s.stime;
  }
  for (const pid of roots) {
    const s = byPid.get(pid);
    if (s) total += s.cutime + s.cstime;
  }
  return (total * 1000) / clockTicks();
}

/** Resident memory of one process, in bytes. */
export function rssBytes(pid: number): number {
  try {
    return parseRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/** CPU used by named groups of processes between start() and stop(), in ms per group. */
export class CpuMeter {
  private before: Record<string, number> = {};

  constructor(private readonly groups: Record<string, readonly number[]>) {}

  start(): this {
    const stats = allStats();
    this.before = Object.fromEntries(
      Object.entries(this.groups).map(([name, roots]) => [name, treeCpuMs(roots, stats)]),
    );
    return this;
  }

  stop(): Record<string, number> {
    const stats = allStats();
    return Object.fromEntries(
      Object.entries(this.groups).map(([name, roots]) => [name, treeCpuMs(roots, stats) - (this.before[name] ?? 0)]),
    );
  }
}

/** Samples a process's resident memory every `intervalMs` until stop(). */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  readonly samples: number[] = [];

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    const sample = () => {
      const rss = rssBytes(this.pid);
      if (Number.isFinite(rss)) {
        this.samples.push(rss);
        this.peak = Math.max(this.peak, rss);
      }
    };
    sample();
    this.timer = setInterval(sample, this.intervalMs);
    return this;
  }

  stop(): { peakBytes: number; lastBytes: number; samples: number } {
    clearInterval(this.timer);
    return { peakBytes: this.peak, lastBytes: this.samples.at(-1) ?? Number.NaN, samples: this.samples.length };
  }
}

/**
 * Pins every thread of the process trees rooted at `roots` to `cpus` (a taskset list such as
 * `1` or `0,1`). Threads and children created later inherit the mask of their creator.
 */
export function pin(roots: readonly number[], cpus: string): void {
  for (const pid of processTree(roots)) {
    try {
      execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    } catch {
      // gone meanwhile
    }
  }
}

/** Every CPU of the machine, as a taskset list. */
export function allCpus(count: number): string {
  return count > 1 ? `0-${count - 1}` : '0';
}
