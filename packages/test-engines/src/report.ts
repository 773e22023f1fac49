// What `npm run engines -- check` and `up` print: each engine's version, the shell's export lines.

import { join } from 'node:path';
import { KAFKA_VERSION } from './kafka.ts';
import { goModuleVersion } from './go.ts';
import { MINIO_MODULE, MINIO_VERSION } from './minio.ts';
import { pgQuery } from './postgres.ts';
import { run, shellQuote, tail } from './process.ts';
import { redisCommand } from './redis.ts';
import { readState } from './state.ts';

/**
 * Versions of every engine of a running set (for `npm run engines -- check`).
 */
export async function engineVersions(statePath: string): Promise<Record<string, string>> {
  const state = readState(statePath);
  const { postgres, redis, kafka, minio } = state.engines;
  const { binaries } = state;
  const versions: Record<string, string> = {};
  const firstLine = (text: string): string =>
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? '';
  const jobs: Promise<unknown>[] = [];
  if (postgres)
    jobs.push(
      pgQuery(postgres, 'SELECT version() AS v').then(
        (r) => (versions.postgres = String((r.rows[0] as { v: string }).v)),
      ),
    );
  if (redis) {
    jobs.push(
      redisCommand(redis.ports.redis as number, 'INFO', 'server').then(
        (reply) => (versions.redis = `Redis ${reply.match(/redis_version:(\S+)/)?.[1] ?? 'undefined'}`),
      ),
    );
  }
  if (kafka) {
    versions.kafka = `Kafka ${tail(kafka.logFile, 1 << 20).match(/Kafka version: (\S+)/)?.[1] ?? `? (pinned ${KAFKA_VERSION})`} (KRaft)`;
    jobs.push(run(binaries.java as string, ['-version']).then((r) => (versions.java = firstLine(r.stderr))));
  }
  if (minio) {
    jobs.push(
      goModuleVersion(binaries.minio as string).then((built) => {
        versions.minio = `MinIO ${built ? `${built.module}@${built.version}` : `${MINIO_MODULE}@${MINIO_VERSION} (pinned)`}`;
      }),
    );
  }
  if (binaries.nginx)
    jobs.push(run(binaries.nginx, ['-v']).then((r) => (versions.nginx = firstLine(r.stderr + r.stdout))));
  if (binaries.prometheus) {
    jobs.push(
      run(binaries.prometheus, ['--version']).then((r) => (versions.prometheus = firstLine(r.stdout + r.stderr))),
    );
    jobs.push(
      run(binaries.promtool as string, ['--version']).then((r) => (versions.promtool = firstLine(r.stdout + r.stderr))),
    );
  }
  if (binaries.docker) {
    jobs.push(run(binaries.docker, ['--version']).then((r) => (versions.docker = firstLine(r.stdout + r.stderr))));
  }
  if (binaries.chromium) {
    jobs.push(run(binaries.chromium, ['--version']).then((r) => (versions.chromium = firstLine(r.stdout + r.stderr))));
  }
  if (binaries.schemathesis)
    jobs.push(run(binaries.schemathesis, ['--version']).then((r) => (versions.schemathesis = firstLine(r.stdout))));
  const { kubernetesBin } = binaries;
  if (kubernetesBin) {
    const kube = (name: string, args: string[], key: string): number =>
      jobs.push(run(join(kubernetesBin, name), args).then((r) => (versions[key] = firstLine(r.stdout + r.stderr))));
    kube('kube-apiserver', ['--version'], 'kube-apiserver');
    kube('etcd', ['--version'], 'etcd');
    kube('kwok', ['--version'], 'kwok');
  }
  await Promise.all(jobs);
  return versions;
}

/** The shell lines that `npm run engines -- up` prints. */
export function exportLines(env: Record<string, string | undefined>): string[] {
  return Object.entries(env).map(([key, value]) => `export ${key}=${shellQuote(value as string)}`);
}
