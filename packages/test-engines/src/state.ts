// The state file of a running set: what each server engine is, how to launch it again, and the
// environment the tests get. Any process can read it (engineControl, attachEngines).

import * as fs from 'node:fs';
import type { ServerEngineName } from './names.ts';
import { cmdline, pidAlive } from './process.ts';

/** Where provisioning found or put each engine. */
export interface EnginePaths {
  cacheDir: string;
  pgBinDir?: string;
  redisServer?: string;
  java?: string;
  kafkaLib?: string;
  minio?: string;
  mc?: string;
  nginx?: string;
  prometheus?: string;
  promtool?: string;
  chromium?: string;
  dockerd?: string;
  docker?: string;
  imageBase?: string;
  schemathesis?: string;
  /** kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok */
  kubernetesBin?: string;
  /** the operators' CRDs (prometheus-operator, KEDA, Gateway API), one YAML file each */
  kubernetesCrds?: string;
}

/** Variables for the code under test (only those of the started engines are set). */
export interface EngineEnv {
  DATABASE_URL?: string;
  REDIS_URL?: string;
  KAFKA_BROKERS?: string;
  S3_ENDPOINT?: string;
  S3_BUCKET?: string;
  S3_ACCESS_KEY?: string;
  S3_SECRET_KEY?: string;
  S3_REGION?: string;
  PICTOR_ENGINES_STATE: string;
  PICTOR_NGINX_BIN?: string;
  /** The MinIO client, for `--target=storage-setup` in tests. */
  PICTOR_MC_BIN?: string;
  PICTOR_PROMETHEUS_BIN?: string;
  PICTOR_PROMTOOL_BIN?: string;
  PICTOR_CHROMIUM_BIN?: string;
  PICTOR_DOCKERD_BIN?: string;
  PICTOR_DOCKER_BIN?: string;
  /** A root filesystem tar standing in for the Dockerfile's base image (`docker import`). */
  PICTOR_IMAGE_BASE_TAR?: string;
  PICTOR_PG_BIN_DIR?: string;
  /** kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok (packages/test-harness/src/kube-cluster.ts). */
  PICTOR_KUBERNETES_BIN_DIR?: string;
  /** The operators' CRDs from their Go modules. */
  PICTOR_KUBERNETES_CRDS_DIR?: string;
  [name: string]: string | undefined;
}

/** What the state file records per server engine. */
export interface EngineRecord {
  name: ServerEngineName;
  pid: number | null;
  /** The first entry is the engine's main port. */
  ports: Record<string, number>;
  dataDir: string;
  logFile: string;
  extraLogs?: string[];
  /** Substring of /proc/<pid>/cmdline (guards against pid reuse). */
  processMatch: string;
  /**
   * `spawn`: run detached (own process group) with stdout+stderr appended to outFile, the child is the engine;
   * `daemon`: run to completion, the engine daemonises itself and writes pidFile.
   */
  start: {
    mode: 'spawn' | 'daemon';
    command: string;
    args: string[];
    /** Only the variables set on top of the caller's environment. */
    env: Record<string, string>;
    cwd: string;
    pidFile?: string;
    outFile?: string;
  };
  info?: Record<string, string>;
}

export interface EngineState {
  version: number;
  dir: string;
  ownerPid: number;
  env: EngineEnv;
  engines: Partial<Record<ServerEngineName, EngineRecord>>;
  binaries: Omit<EnginePaths, 'cacheDir'>;
}

export function readState(statePath: string): EngineState {
  return JSON.parse(fs.readFileSync(statePath, 'utf8')) as EngineState;
}

/** The engine's main port (the first one recorded). */
export function mainPort(record: EngineRecord): number {
  return Object.values(record.ports)[0] as number;
}

/** The pid is alive and still the engine we started (guards against pid reuse). */
export function ownsPid(record: EngineRecord): boolean {
  if (!pidAlive(record.pid)) return false;
  const line = cmdline(record.pid as number);
  return line === '' || line.includes(record.processMatch);
}
