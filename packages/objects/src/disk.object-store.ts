import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, ObjectBody, ObjectInfo, ObjectStore } from '@pictor/core';

const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

interface Meta {
  contentType: string;
  etag: string;
}

/**
 * Objects as files under `root/objects/<key>`, with content type and ETag in a sidecar under
 * `root/meta/<key>.json`. Writes go to a temporary file and are renamed into place, so a reader
 * never sees half an object. Temporary files a crash left behind are swept at start and by
 * cleanup; a delete removes the folders it empties.
 */
export class DiskObjectStore implements ObjectStore {
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.objectsDir = path.resolve(root, 'objects');
    this.metaDir = path.resolve(root, 'meta');
    this.tmpDir = path.resolve(root, 'tmp');
  }

  async init(): Promise<this> {
    await Promise.all([this.objectsDir, this.metaDir, this.tmpDir].map((d) => mkdir(d, { recursive: true })));
    // Left by a process that died mid-write; a minute's grace spares another process's write in flight.
    await this.sweepLeftovers(STARTUP_GRACE_MS);
    return this;
  }

  /** Removes temporary files older than `graceMs` (writes a crash interrupted); returns how many. */
  async sweepLeftovers(graceMs: number): Promise<number> {
    const before = Date.now() - graceMs;
    let removed = 0;
    for (const name of await readdir(this.tmpDir).catch(() => [] as string[])) {
      const file = path.join(this.tmpDir, name);
      const stats = await stat(file).catch(() => undefined);
      if (stats?.isFile() && stats.mtimeMs < before) {
        await rm(file, { force: true });
        removed += 1;
      }
    }
    return removed;
  }

  async put(key: string, body: Buffer, contentType: string): Promise<ObjectInfo> {
    const file = this.objectPath(key);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const tmp = path.join(this.tmpDir, randomBytes(12).toString('hex'));
    await mkdir(path.dirname(file), { recursive: true });
    await mkdir(path.dirname(this.metaPath(key)), { recursive: true });
    try {
      await writeFile(`${tmp}.meta`, JSON.stringify({ contentType, etag } satisfies Meta));
      await writeFile(tmp, body);
      await renameInto(`${tmp}.meta`, this.metaPath(key));
      await renameInto(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.meta`, { force: true });
      throw error;
    }
    return { key, size: body.length, contentType, etag, lastModified: new Date() };
  }

  async putStream(key: string, body: Readable, contentType: string): Promise<ObjectInfo> {
    const file = this.objectPath(key);
    const hash = createHash('md5');
    let size = 0;
    const tmp = path.join(this.tmpDir, randomBytes(12).toString('hex'));
    await mkdir(path.dirname(file), { recursive: true });
    await mkdir(path.dirname(this.metaPath(key)), { recursive: true });
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
      const etag = `"${hash.digest('hex')}"`;
      await writeFile(`${tmp}.meta`, JSON.stringify({ contentType, etag } satisfies Meta));
      await renameInto(`${tmp}.meta`, this.metaPath(key));
      await renameInto(tmp, file);
      return { key, size, contentType, etag, lastModified: new Date() };
    } catch (error) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.meta`, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | null> {
    // Opened before anything is answered: a delete that comes between (a visibility move or a
    // purge racing this read) then leaves this read whole instead of failing it mid-way.
    let handle: FileHandle;
    try {
      handle = await open(this.objectPath(key), 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
      throw error;
    }
    try {
      const info = await this.stat(key);
      if (!info) {
        await handle.close();
        return null;
      }
      const opened = await handle.stat();
      const body = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { ...info, size: opened.size, lastModified: opened.mtime, body };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<ObjectInfo | null> {
    const file = this.objectPath(key);
    try {
      const [stats, metaText] = await Promise.all([stat(file), readFile(this.metaPath(key), 'utf8')]);
      if (!stats.isFile()) return null;
      const meta = JSON.parse(metaText) as Meta;
      return { key, size: stats.size, contentType: meta.contentType, etag: meta.etag, lastModified: stats.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    await Promise.all(
      keys.map(async (key) => {
        await rm(this.objectPath(key), { force: true });
        await rm(this.metaPath(key), { force: true });
      }),
    );
    // The folders of the keys (public/<id>/, …), once nothing is left in them.
    const dirs = new Set<string>();
    for (const key of keys) {
      for (let slash = key.lastIndexOf('/'); slash > 0; slash = key.lastIndexOf('/', slash - 1)) {
        dirs.add(key.slice(0, slash));
      }
    }
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
      await removeIfEmpty(path.join(this.objectsDir, dir));
      await removeIfEmpty(path.join(this.metaDir, dir));
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk only the directory the prefix points into, not the whole store.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const start = dirKey ? this.objectPath(dirKey) : this.objectsDir;
    const keys: string[] = [];
    await this.walk(start, dirKey, keys);
    for (const key of keys.sort()) {
      if (!key.startsWith(prefix)) continue;
      const info = await this.stat(key);
      if (info) yield info;
    }
  }

  async ping(): Promise<void> {
    await stat(this.objectsDir);
  }

  async close(): Promise<void> {}

  private async walk(dir: string, keyPrefix: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
        return;
      throw error;
    }
    for (const entry of entries) {
      const key = keyPrefix ? `${keyPrefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await this.walk(path.join(dir, entry.name), key, out);
      else if (entry.isFile()) out.push(key);
    }
  }

  private objectPath(key: string): string {
    return path.join(this.objectsDir, checkKey(key));
  }

  private metaPath(key: string): string {
    return path.join(this.metaDir, `${checkKey(key)}.json`);
  }
}

const STARTUP_GRACE_MS = 60_000;

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Not empty (still in use, or written to meanwhile) or gone already: both fine.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw error;
  }
}

/** Renames into a folder a concurrent delete may just have removed as empty: made again, tried again. */
async function renameInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await mkdir(path.dirname(to), { recursive: true });
    await rename(from, to);
  }
}

/** Keys are made by the server, but the store refuses anything that could leave its directory. */
function checkKey(key: string): string {
  if (!KEY_PATTERN.test(key) || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`Invalid object key: ${JSON.stringify(key)}`);
  }
  return key;
}
