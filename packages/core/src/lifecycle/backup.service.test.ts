import { Readable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { isAppError } from '../errors/app-error.js';
import type { BackupRecord } from '../ports/lifecycle-repository.port.js';
import type { DatabaseDump, DatabaseDumper } from '../ports/database-dumper.port.js';
import type { ObjectInfo, ObjectStore } from '../ports/object-store.port.js';
import { BackupService } from './backup.service.js';
import { backupKeys } from './retention.js';

/** Objects in a map; `short` bytes are lost on every streamed write. */
function memoryStore(short = 0) {
  const objects = new Map<string, { body: Buffer; contentType: string }>();
  const info = (key: string, size: number, contentType: string): ObjectInfo => ({
    key,
    size,
    contentType,
    etag: '',
    lastModified: new Date(0),
  });
  const store: Pick<ObjectStore, 'put' | 'putStream' | 'delete' | 'list'> = {
    put: (key, body, contentType) => {
      objects.set(key, { body, contentType });
      return Promise.resolve(info(key, body.length, contentType));
    },
    putStream: async (key, body, contentType) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      const all = Buffer.concat(chunks).subarray(short);
      objects.set(key, { body: all, contentType });
      return info(key, all.length, contentType);
    },
    delete: (keys) => {
      for (const key of keys) objects.delete(key);
      return Promise.resolve();
    },
    list: async function* (prefix) {
      for (const [key, o] of [...objects])
        if (key.startsWith(prefix)) yield await Promise.resolve(info(key, o.body.length, o.contentType));
    },
  };
  return { objects, store: store as ObjectStore };
}

const DUMP = Buffer.from('-- a dump of the database\n');

function dumper(fail?: Error): DatabaseDumper & { removed: number } {
  return {
    format: 'sql',
    contentType: 'application/sql; charset=utf-8',
    removed: 0,
    async withDump<T>(_key: string, use: (dump: DatabaseDump) => Promise<T>): Promise<T> {
      if (fail) throw fail;
      try {
        return await use({ bytes: DUMP.length, sha256: 'ab'.repeat(32), open: () => Readable.from([DUMP]) });
      } finally {
        this.removed++;
      }
    },
  };
}

function service(store: ObjectStore, dumps: DatabaseDumper, at: Date, recorded: BackupRecord[]) {
  return new BackupService({
    dumper: dumps,
    objects: store,
    lifecycle: {
      recordBackup: (record) => {
        recorded.push(record);
        return Promise.resolve();
      },
    },
    retention: { keepLast: 2, keepDaily: 0, keepWeekly: 0 },
    clock: () => at,
  });
}

describe('BackupService', () => {
  it('stores the dump with its sha256 beside it, records it, and removes the dump file', async () => {
    const { objects, store } = memoryStore();
    const recorded: BackupRecord[] = [];
    const dumps = dumper();
    const at = new Date('2026-12-01T03:00:00.000Z');
    const result = await service(store, dumps, at, recorded).run();
    expect(result.key).toBe('backups/postgres/2026-12-01T03-00-00-000Z.sql');
    expect(objects.get(result.key)?.body.equals(DUMP)).toBe(true);
    expect(objects.get(result.key)?.contentType).toBe('application/sql; charset=utf-8');
    expect(objects.get(backupKeys.checksum(result.key))?.body.toString()).toBe(
      `${'ab'.repeat(32)}  2026-12-01T03-00-00-000Z.sql\n`,
    );
    expect(recorded).toEqual([
      { key: result.key, bytes: DUMP.length, sha256: 'ab'.repeat(32), startedAt: at, finishedAt: at },
    ]);
    expect(dumps.removed).toBe(1);
  });

  it('applies the retention after storing: older dumps go with their checksums', async () => {
    const { objects, store } = memoryStore();
    const recorded: BackupRecord[] = [];
    const keys: string[] = [];
    for (const day of [1, 2, 3]) {
      keys.push((await service(store, dumper(), new Date(Date.UTC(2026, 11, day)), recorded).run()).key);
    }
    expect([...objects.keys()].sort()).toEqual(
      [keys[1]!, backupKeys.checksum(keys[1]!), keys[2]!, backupKeys.checksum(keys[2]!)].sort(),
    );
  });

  it('fails with BACKUP_FAILED and records nothing when storage keeps fewer bytes than the dump', async () => {
    const { store } = memoryStore(3);
    const recorded: BackupRecord[] = [];
    const error = await service(store, dumper(), new Date(), recorded)
      .run()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isAppError(error) && error.code).toBe('BACKUP_FAILED');
    expect(recorded).toEqual([]);
  });

  it('stores and records nothing when the dump cannot be taken', async () => {
    const { objects, store } = memoryStore();
    const recorded: BackupRecord[] = [];
    await expect(
      service(store, dumper(new Error('pg_dump: connection refused')), new Date(), recorded).run(),
    ).rejects.toThrow('connection refused');
    expect(objects.size).toBe(0);
    expect(recorded).toEqual([]);
  });
});
