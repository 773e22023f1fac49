import type { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import type { ByteRange, ObjectBody, ObjectInfo, ObjectStore, PutOptions } from '@pictor/core';

export interface S3ObjectStoreOptions {
  /** Full URL, e.g. `http://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`. */
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound', 'NoSuchObject']);

function isNotFound(error: unknown): boolean {
  return (
    (error instanceof S3Error || (error instanceof Error && 'code' in error)) &&
    NOT_FOUND.has(String((error as { code?: unknown }).code))
  );
}

/**
 * Objects in any S3-compatible store through the `minio` client, using plain S3 calls only
 * (no MinIO admin or extensions), so MinIO, Garage, SeaweedFS and AWS all work.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: Client;
  private readonly bucket: string;

  constructor(private readonly options: S3ObjectStoreOptions) {
    const url = new URL(options.endpoint);
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL: url.protocol === 'https:',
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: options.region,
      pathStyle: true,
    });
    this.bucket = options.bucket;
  }

  /** Creates the bucket when it is missing (private: the edge reads through its own credentials). */
  async init(): Promise<this> {
    if (!(await this.client.bucketExists(this.bucket))) {
      try {
        await this.client.makeBucket(this.bucket, this.options.region);
      } catch (error) {
        // Another pod created it between our check and our call.
        const code = (error as { code?: string }).code;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      }
    }
    return this;
  }

  async put(key: string, body: Buffer, contentType: string, options: PutOptions = {}): Promise<ObjectInfo> {
    const result = await this.client.putObject(this.bucket, key, body, body.length, {
      'Content-Type': contentType,
      ...(options.cacheControl ? { 'Cache-Control': options.cacheControl } : {}),
    });
    return { key, size: body.length, contentType, etag: quote(result.etag), lastModified: new Date() };
  }

  async putStream(key: string, body: Readable, contentType: string): Promise<ObjectInfo> {
    // Unknown size: the client uploads in parts, so memory stays at one part.
    await this.client.putObject(this.bucket, key, body, undefined, { 'Content-Type': contentType });
    const info = await this.stat(key);
    if (!info) throw new Error(`${key} is missing right after it was written`);
    return info;
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    const info = await this.stat(key);
    if (!info) return null;
    try {
      const body = range
        ? await this.client.getPartialObject(this.bucket, key, range.start, range.end - range.start + 1)
        : await this.client.getObject(this.bucket, key);
      return { ...info, body };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const stat = await this.client.statObject(this.bucket, key);
      const meta = stat.metaData as Record<string, string | undefined>;
      return {
        key,
        size: stat.size,
        contentType: meta['content-type'] ?? 'application/octet-stream',
        etag: quote(stat.etag),
        lastModified: stat.lastModified,
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys per request.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      if (batch.length === 0) continue;
      const results = await this.client.removeObjects(this.bucket, batch);
      const failed = results.filter((r) => r?.Error !== undefined);
      if (failed.length > 0)
        throw new Error(`S3 refused to delete ${failed.length} object(s): ${JSON.stringify(failed[0])}`);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const stream = this.client.listObjectsV2(this.bucket, prefix, true);
    for await (const item of stream as AsyncIterable<{
      name?: string;
      size: number;
      etag?: string;
      lastModified?: Date;
    }>) {
      if (!item.name) continue;
      yield {
        key: item.name,
        size: item.size,
        contentType: 'application/octet-stream',
        etag: quote(item.etag ?? ''),
        lastModified: item.lastModified ?? new Date(0),
      };
    }
  }

  /** A time-limited GET URL for a private object. */
  async presignGet(key: string, expiresSeconds: number): Promise<string> {
    return this.client.presignedGetObject(this.bucket, key, expiresSeconds);
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) throw new Error(`bucket ${this.bucket} does not exist`);
  }

  async close(): Promise<void> {}
}

function quote(etag: string): string {
  const bare = etag.replace(/^"|"$/g, '');
  return `"${bare}"`;
}
