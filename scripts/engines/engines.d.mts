// Types for engines.mjs, so that TypeScript tests can import it:
//   import { engineControl, createTestDatabase } from '../../../../scripts/engines/engines.mjs';

export type EngineName =
  | 'postgres'
  | 'redis'
  | 'kafka'
  | 'minio'
  | 'nginx'
  | 'prometheus'
  | 'chromium'
  | 'docker'
  | 'schemathesis'
  | 'kubernetes';
export type ServerEngineName = 'postgres' | 'redis' | 'kafka' | 'minio';
export type Log = (message: string) => void;

export declare const KAFKA_VERSION: string;
export declare const KAFKA_SCALA_VERSION: string;
export declare const LOG4J_VERSION: string;
export declare const MINIO_MODULE: string;
export declare const MINIO_VERSION: string;
export declare const MC_MODULE: string;
export declare const MC_VERSION: string;
export declare const SCHEMATHESIS_VERSION: string;
export declare const KUBERNETES_VERSION: string;
export declare const ETCD_VERSION: string;
export declare const KWOK_VERSION: string;
export declare const KUBERNETES_CRD_SOURCES: readonly { module: string; version: string; dir: string }[];
export declare const SERVER_ENGINES: readonly ServerEngineName[];
export declare const BINARY_ENGINES: readonly (
  'nginx' | 'prometheus' | 'chromium' | 'docker' | 'schemathesis' | 'kubernetes'
)[];
export declare const ALL_ENGINES: readonly EngineName[];

export declare const defaultLog: Log;
export declare function engineCacheDir(): string;
export declare function pidAlive(pid: number | null | undefined): boolean;
export declare function portOpen(port: number, timeoutMs?: number): Promise<boolean>;
export declare function freePorts(count: number): Promise<number[]>;
export declare function findPgBinDir(): string | null;

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

export declare function provisionEngines(options?: {
  log?: Log;
  only?: Iterable<string> | string;
}): Promise<EnginePaths>;

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
  /** kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd, kwok (apps/pictor/src/testing/kube-cluster.ts). */
  PICTOR_KUBERNETES_BIN_DIR?: string;
  /** The operators' CRDs from their Go modules. */
  PICTOR_KUBERNETES_CRDS_DIR?: string;
  [name: string]: string | undefined;
}

export interface EngineRecord {
  name: ServerEngineName;
  pid: number | null;
  /** The first entry is the engine's main port. */
  ports: Record<string, number>;
  dataDir: string;
  logFile: string;
  extraLogs?: string[];
  processMatch: string;
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

export interface EngineSet {
  env: EngineEnv;
  statePath: string;
  dir: string;
  /** ms until each engine was ready, and `total`. */
  timings: Record<string, number>;
  /** Stops every engine (including ones restarted by other processes) and removes the directory. */
  stop(): Promise<void>;
}

export declare function startEngines(options?: {
  only?: Iterable<string> | string;
  log?: Log;
  baseDir?: string;
}): Promise<EngineSet>;

export declare function readState(statePath: string): EngineState;

export interface EngineControl {
  statePath: string;
  /** The engine's process is alive and its main port accepts connections. */
  isRunning(name: ServerEngineName): Promise<boolean>;
  /**
   * SIGTERM (default): clean shutdown (PostgreSQL: fast shutdown); SIGKILL: kill the whole process
   * group (a crash). Resolves once the process is gone and its port closed.
   */
  stop(name: ServerEngineName, options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<void>;
  /** Starts it again on the same ports with the same data; resolves once it really answers. */
  start(name: ServerEngineName): Promise<void>;
}

export declare function engineControl(statePath: string): EngineControl;
export declare function stopSet(statePath: string, log?: Log): Promise<void>;
export declare function attachEngines(statePath: string): Promise<EngineEnv>;

export declare function createTestDatabase(
  databaseUrl: string,
): Promise<{ url: string; name: string; drop(): Promise<void> }>;

export declare function kafkaRoundTrip(brokers: string): Promise<void>;
export declare function engineVersions(statePath: string): Promise<Record<string, string>>;
export declare function exportLines(env: Record<string, string | undefined>): string[];

/** The arguments every test Redis starts with (loopback, port, no persistence, its directory). */
export function redisServerArgs(port: number, dir: string): string[];
