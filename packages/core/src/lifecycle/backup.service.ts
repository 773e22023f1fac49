import { ERRORS } from '../errors/errors.js';
import type { DatabaseDumper } from '../ports/database-dumper.port.js';
import type { LifecycleRepository } from '../ports/lifecycle-repository.port.js';
import type { ObjectStore } from '../ports/object-store.port.js';
import { backupKeys, backupsToDelete, type Dated, type RetentionPolicy } from './retention.js';

export interface BackupResult {
  key: string;
  bytes: number;
  sha256: string;
  /** Older dumps the retention deleted. */
  deleted: string[];
}

export interface BackupDeps {
  dumper: DatabaseDumper;
  objects: ObjectStore;
  lifecycle: Pick<LifecycleRepository, 'recordBackup'>;
  retention: RetentionPolicy;
  clock?: () => Date;
}

/**
 * One backup: a verified dump of the database stored under `backups/postgres/` with its sha256
 * beside it, recorded in the database (the metrics read it), then the retention applied.
 */
export class BackupService {
  private readonly clock: () => Date;

  constructor(private readonly deps: BackupDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  async run(): Promise<BackupResult> {
    const { dumper, objects } = this.deps;
    const startedAt = this.clock();
    const key = backupKeys.dump(startedAt, dumper.format);
    const stored = await dumper.withDump(key, async (dump) => {
      const written = await objects.putStream(key, dump.open(), dumper.contentType);
      if (written.size !== dump.bytes) {
        throw ERRORS.backupFailed(`${key} holds ${written.size} bytes after upload; the dump has ${dump.bytes}`);
      }
      const name = key.slice(key.lastIndexOf('/') + 1);
      await objects.put(
        backupKeys.checksum(key),
        Buffer.from(`${dump.sha256}  ${name}\n`),
        'text/plain; charset=utf-8',
      );
      return { bytes: dump.bytes, sha256: dump.sha256 };
    });
    await this.deps.lifecycle.recordBackup({ key, ...stored, startedAt, finishedAt: this.clock() });
    const deleted = await this.applyRetention();
    return { key, ...stored, deleted };
  }

  private async applyRetention(): Promise<string[]> {
    const { objects, retention } = this.deps;
    const doomed = backupsToDelete(await listDumps(objects), retention);
    if (doomed.length > 0) await objects.delete(doomed.flatMap((key) => [key, backupKeys.checksum(key)]));
    return doomed;
  }
}

/** The dumps under `backups/postgres/`, with the time in their key. */
export async function listDumps(objects: ObjectStore): Promise<Dated[]> {
  const dumps: Dated[] = [];
  for await (const object of objects.list(backupKeys.prefix)) {
    const time = backupKeys.timeOf(object.key);
    if (time) dumps.push({ key: object.key, time });
  }
  return dumps;
}
