import { readdir, readFile } from 'node:fs/promises';
import type { ObjectStore } from '@pictor/core';
import type { ReadinessCheck } from '../routes/health.route.js';

/** The object readiness writes; small, overwritten in place, never served. */
export const READINESS_MARKER_KEY = 'health/ready-marker';

/**
 * Storage answers and takes writes: a read-only mount or a full disk pass a ping but refuse every
 * upload. The marker is written at most once per `everyMs`; in between, the last outcome stands.
 */
export function objectsWritable(objects: ObjectStore, everyMs = 10_000): ReadinessCheck {
  let last: { at: number; error: unknown } | undefined;
  let inFlight: Promise<void> | undefined;
  return async () => {
    await objects.ping();
    if (!last || Date.now() - last.at >= everyMs) {
      inFlight ??= objects
        .put(READINESS_MARKER_KEY, Buffer.from(new Date().toISOString()), 'text/plain')
        .then(
          () => {
            last = { at: Date.now(), error: undefined };
          },
          (error: unknown) => {
            last = { at: Date.now(), error };
          },
        )
        .finally(() => (inFlight = undefined));
      await inFlight;
    }
    if (last?.error) {
      const reason = last.error instanceof Error ? last.error.message : 'the write failed';
      throw new Error(`objects cannot be written: ${reason}`);
    }
  };
}

export interface DescriptorUsage {
  open: number;
  limit: number;
}

/** Open descriptors and the soft limit of this process (Linux `/proc`); null elsewhere. */
export async function descriptorUsage(): Promise<DescriptorUsage | null> {
  try {
    const [fds, limits] = await Promise.all([readdir('/proc/self/fd'), readFile('/proc/self/limits', 'utf8')]);
    const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
    if (!soft || soft === 'unlimited') return null;
    return { open: fds.length, limit: Number(soft) };
  } catch {
    return null;
  }
}

/**
 * Room for more files and sockets: a process out of descriptors answers every request with an
 * error while its dependencies look fine. Not ready below `minFree` free descriptors or 5 % of the
 * limit, whichever is more, so traffic goes elsewhere while leaks or floods drain.
 */
export function descriptorHeadroom(
  usage: () => Promise<DescriptorUsage | null> = descriptorUsage,
  minFree = 64,
): ReadinessCheck {
  return async () => {
    const now = await usage();
    if (!now) return;
    const free = now.limit - now.open;
    if (free < Math.max(minFree, Math.ceil(now.limit * 0.05))) {
      throw new Error(`only ${free} of ${now.limit} file descriptors free`);
    }
  };
}
