// Provisioning: every wanted engine present in the machine or the cache, installed or built when missing.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_BIN } from './chromium.ts';
import { defaultLog, engineCacheDir, type Log } from './common.ts';
import { provisionDebian } from './debian.ts';
import { DOCKER_BIN, DOCKERD_BIN, provisionImageBase } from './docker.ts';
import { provisionKafka } from './kafka.ts';
import { provisionKubernetes } from './kubernetes.ts';
import { withLock } from './lock.ts';
import { provisionMc, provisionMinio } from './minio.ts';
import { normalizeOnly } from './names.ts';
import { NGINX_BIN } from './nginx.ts';
import { findPgBinDir } from './postgres.ts';
import { which } from './process.ts';
import { PROMETHEUS_BIN, PROMTOOL_BIN } from './prometheus.ts';
import { provisionSchemathesis } from './schemathesis.ts';
import type { EnginePaths } from './state.ts';

export interface ProvisionOptions {
  log?: Log;
  only?: Iterable<string> | string | undefined;
}

/**
 * Makes sure every wanted engine is present, installing or building what is missing.
 * Idempotent and cheap when everything is there; serialised between processes.
 */
export async function provisionEngines({ log = defaultLog, only }: ProvisionOptions = {}): Promise<EnginePaths> {
  const wanted = normalizeOnly(only);
  const cache = engineCacheDir();
  fs.mkdirSync(cache, { recursive: true });
  return withLock(join(cache, '.provision.lock'), log, async () => {
    await provisionDebian(wanted, log);
    const paths: EnginePaths = { cacheDir: cache };
    if (wanted.includes('postgres')) paths.pgBinDir = findPgBinDir() as string;
    if (wanted.includes('redis')) paths.redisServer = which('redis-server') as string;
    if (wanted.includes('nginx')) paths.nginx = NGINX_BIN;
    if (wanted.includes('prometheus')) {
      paths.prometheus = PROMETHEUS_BIN;
      paths.promtool = PROMTOOL_BIN;
    }
    if (wanted.includes('chromium')) paths.chromium = CHROMIUM_BIN;
    if (wanted.includes('docker')) {
      paths.dockerd = DOCKERD_BIN;
      paths.docker = DOCKER_BIN;
      paths.imageBase = await provisionImageBase(cache, log);
    }
    if (wanted.includes('kafka')) {
      paths.java = which('java') as string;
      paths.kafkaLib = await provisionKafka(cache, log);
    }
    if (wanted.includes('minio')) {
      paths.minio = await provisionMinio(cache, log);
      paths.mc = await provisionMc(cache, log);
    }
    if (wanted.includes('schemathesis')) paths.schemathesis = await provisionSchemathesis(cache, log);
    if (wanted.includes('kubernetes')) {
      const kubernetes = await provisionKubernetes(cache, log);
      paths.kubernetesBin = kubernetes.bin;
      paths.kubernetesCrds = kubernetes.crds;
    }
    return paths;
  });
}
