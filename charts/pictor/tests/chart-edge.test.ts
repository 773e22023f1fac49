import { describe, expect, it } from '@jest/globals';
import { renderEdgeConfig } from '@pictor/test-harness/edge';
import { find, render, renderError, scenarios } from '@pictor/test-harness/chart';

/**
 * The edge's NGINX configuration exists once, in files/nginx.conf.template. The integration tests
 * render it with renderEdgeConfig and run it in front of a real api and MinIO; the chart renders
 * it with Helm. Both must produce the same bytes for the same placeholder values, or the
 * configuration the tests prove is not the one that ships.
 */
const edgeConfig = async (set: Record<string, unknown> = {}, values: string[] = []) =>
  find(await render({ set, values }), 'ConfigMap', 'pictor-edge').data!['nginx.conf']!;

const inCluster = {
  LISTEN: '8080',
  API_UPSTREAM: 'pictor-api:8080',
  S3_UPSTREAM: 'pictor-minio.pictor.svc.cluster.local:9000',
  S3_HOST: 'pictor-minio.pictor.svc.cluster.local:9000',
  S3_BUCKET: 'pictor',
  MAX_BODY_SIZE: '100m',
  RUN_DIR: '/tmp/nginx',
  ERROR_LOG: 'stderr',
  ACCESS_LOG: '/dev/stdout',
  WORKER_PROCESSES: '2',
  REAL_IP_FROM: '10.0.0.0/8',
  CACHE_VALID: '10s',
  CACHE_MAX_SIZE: '512m',
  CLIENT_BODY_TIMEOUT: '20s',
};

describe('the edge configuration', () => {
  it('when the chart renders its defaults, then the ConfigMap equals renderEdgeConfig byte for byte', async () => {
    expect(await edgeConfig()).toBe(await renderEdgeConfig(inCluster));
  });

  it('when every edge value is changed, then both renderings still agree', async () => {
    const set = {
      'objectStorage.bucket': 'media-prod',
      'edge.maxBodySize': '520m',
      'edge.workerProcesses': 'auto',
      'edge.realIpFrom': '192.168.0.0/16',
      'edge.cache.valid': '2m',
      'edge.cache.maxSize': '200m',
      'api.service.port': 9090,
      'config.UPLOAD_BODY_TIMEOUT_MS': 7500,
    };
    expect(await edgeConfig(set)).toBe(
      await renderEdgeConfig({
        ...inCluster,
        API_UPSTREAM: 'pictor-api:9090',
        S3_BUCKET: 'media-prod',
        MAX_BODY_SIZE: '520m',
        WORKER_PROCESSES: 'auto',
        REAL_IP_FROM: '192.168.0.0/16',
        CACHE_VALID: '2m',
        CACHE_MAX_SIZE: '200m',
        CLIENT_BODY_TIMEOUT: '8s',
      }),
    );
  });

  it.each(scenarios().map((s) => [s.name, s.file]))(
    'when scenario %s renders, then no placeholder is left and the S3 upstream is a host:port',
    async (_name, file) => {
      const conf = await edgeConfig({}, [file]);
      expect(conf).not.toMatch(/\$\{[A-Z][A-Z0-9_]*\}/);
      expect(conf).toMatch(/upstream pictor_s3 \{\n\s+server [a-z0-9.-]+:\d+;/);
    },
  );

  it('when storage is an external https endpoint, then the edge reads it on port 443 unless told otherwise', async () => {
    const external = {
      'objectStorage.mode': 'external',
      'objectStorage.external.endpoint': 'https://s3.eu-west-1.amazonaws.com',
      'objectStorage.external.existingSecret': 'pictor-s3',
    };
    expect(await edgeConfig(external)).toContain('server s3.eu-west-1.amazonaws.com:443;');
    const viaProxy = await edgeConfig({
      ...external,
      'objectStorage.external.edgeUpstream': 's3-gateway.storage:8080',
    });
    expect(viaProxy).toBe(
      await renderEdgeConfig({
        ...inCluster,
        S3_UPSTREAM: 's3-gateway.storage:8080',
        S3_HOST: 's3-gateway.storage:8080',
      }),
    );
  });

  it('when the edge configuration changes, then the edge pods roll', async () => {
    const checksum = async (set: Record<string, unknown>) => {
      const deployment = find(await render({ set }), 'Deployment', 'pictor-edge');
      return (deployment.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
        .annotations['checksum/config'];
    };
    expect(await checksum({})).not.toBe(await checksum({ 'edge.maxBodySize': '200m' }));
  });

  it('when a value would break out of its directive, then the schema refuses it', async () => {
    expect(await renderError({ set: { 'edge.maxBodySize': '1m; return 200' } })).toContain('maxBodySize');
    expect(await renderError({ set: { 'edge.cache.valid': '10s; return 200' } })).toContain('valid');
  });
});
