import { ClientLocator, NearestLinks, registerLinkMetrics, storageSite, type LinkSite } from '@pictor/api';
import type { Config } from '@pictor/config';
import { PRIMARY_SITE } from '@pictor/core';
import { S3ObjectStore } from '@pictor/objects';
import type { Logger } from '@pictor/observability';
import type { Registry } from 'prom-client';

/**
 * Links on the nearest replica, when S3_REPLICAS lists any. Each site has two clients: one on its
 * in-cluster endpoint (HEAD probes, lag) and one on its public endpoint, which only signs (a
 * presigned URL is bound to the host it was signed for).
 */
export async function createNearestLinks(
  config: Config,
  logger: Logger,
  registry: Registry | undefined,
  /** Where the periodic lag measurement registers its stop; absent: no periodic measurement. */
  onStop?: (stop: () => void) => void,
): Promise<NearestLinks | undefined> {
  const s3 = config.s3;
  if (!s3 || config.replicas.sites.length === 0) {
    // No replicas: no presigned links yet (share links go to the direct link), the series still exist.
    if (registry) registerLinkMetrics(registry, [PRIMARY_SITE]);
    return undefined;
  }
  const site = (
    name: string,
    endpoint: string,
    publicEndpoint: string,
    credentials: { accessKey: string; secretKey: string },
    location: Parameters<typeof storageSite>[1] | undefined,
  ): LinkSite => {
    const inside = new S3ObjectStore({ endpoint, bucket: s3.bucket, region: s3.region, ...credentials });
    const outside =
      publicEndpoint === endpoint
        ? inside
        : new S3ObjectStore({ endpoint: publicEndpoint, bucket: s3.bucket, region: s3.region, ...credentials });
    return {
      name,
      site: location ? storageSite(name, location) : undefined,
      stat: (key) => inside.stat(key),
      presignGet: (key, ttl) => outside.presignGet(key, ttl),
      put: (key, body) => inside.put(key, body, 'text/plain'),
      delete: (keys) => inside.delete(keys),
    };
  };
  const locator = await ClientLocator.open(config.replicas.geoipDatabase, config.replicas.overrides);
  const links = new NearestLinks({
    primary: site(PRIMARY_SITE, s3.endpoint, s3.publicEndpoint, s3, s3.location),
    replicas: config.replicas.sites.map((r) =>
      site(
        r.name,
        r.endpoint,
        r.publicEndpoint ?? r.endpoint,
        { accessKey: r.accessKey ?? s3.accessKey, secretKey: r.secretKey ?? s3.secretKey },
        r.location,
      ),
    ),
    locator,
    defaultSite: config.replicas.defaultSite,
    cooldownMs: config.replicas.cooldownMs,
    timeoutMs: config.replicas.timeoutMs,
    ttlSeconds: config.links.ttlSeconds,
    logger: logger.child({ module: 'links' }),
    ...(registry ? { registry } : {}),
  });
  if (config.replicas.lagIntervalMs > 0 && onStop) {
    onStop(links.measureLagEvery(config.replicas.lagIntervalMs, config.replicas.lagBoundMs));
  }
  return links;
}
