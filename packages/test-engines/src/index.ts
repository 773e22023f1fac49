// Real engines for Pictor's integration tests: PostgreSQL, Redis, Kafka (KRaft), MinIO run as
// plain processes on 127.0.0.1; NGINX, Prometheus, Chromium, Docker, schemathesis and a
// Kubernetes control plane are provisioned and resolved (the tests that need them start them with
// their own configuration). See docs/TEST-ENGINES.md.
//
// Node runs these sources as they are (type stripping, relative imports end in `.ts`): the CLI and
// jest's globalSetup need no build. `tsc -b` compiles them too, for programs that import the
// package's dist (apps/bench through @pictor/test-harness).

export { defaultLog, engineCacheDir, repoPath, REPO_ROOT, type Log } from './common.ts';
export { CHROMIUM_BIN } from './chromium.ts';
export { engineControl, type EngineControl } from './control.ts';
export { DOCKER_BIN, DOCKERD_BIN, IMAGE_BASE_SUITE } from './docker.ts';
export { attachEngines, startEngines, stopSet, type EngineSet, type StartOptions } from './engine-set.ts';
export { kafkaRoundTrip, KAFKA_SCALA_VERSION, KAFKA_VERSION, LOG4J_VERSION } from './kafka.ts';
export { ETCD_VERSION, KUBERNETES_CRD_SOURCES, KUBERNETES_VERSION, KWOK_VERSION } from './kubernetes.ts';
export { MC_MODULE, MC_VERSION, MINIO_MODULE, MINIO_VERSION } from './minio.ts';
export { ALL_ENGINES, BINARY_ENGINES, SERVER_ENGINES, type EngineName, type ServerEngineName } from './names.ts';
export { createTestDatabase, findPgBinDir } from './postgres.ts';
export { freePorts, pidAlive, portOpen } from './process.ts';
export { provisionEngines, type ProvisionOptions } from './provisioning.ts';
export { redisServerArgs } from './redis.ts';
export { engineVersions, exportLines } from './report.ts';
export { SCHEMATHESIS_VERSION } from './schemathesis.ts';
export { readState, type EngineEnv, type EnginePaths, type EngineRecord, type EngineState } from './state.ts';
