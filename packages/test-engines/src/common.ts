// What every engine module shares: the repository's root, the cache, the log, who we run as.

import { createRequire } from 'node:module';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Log = (message: string) => void;

/** The repository's root (this file is packages/test-engines/{src,dist}/common.*). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A path inside the repository, for files the tests read (the chart, the Dockerfile…). */
export function repoPath(...segments: string[]): string {
  return join(REPO_ROOT, ...segments);
}

/**
 * Loads the client libraries (pg, kafkajs, minio) only when an engine needs them, so that
 * `provision` starts without them.
 */
export const requireLazily = createRequire(import.meta.url);

export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

export const defaultLog: Log = (message) => process.stderr.write(`[engines] ${message}\n`);

/** Where provisioned engines are cached (outside the repository). */
export function engineCacheDir(): string {
  return process.env.PICTOR_ENGINES_CACHE ?? join(os.homedir(), '.cache', 'pictor', 'engines');
}
