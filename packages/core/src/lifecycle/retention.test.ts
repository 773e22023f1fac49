import { describe, expect, it } from '@jest/globals';
import { backupKeys, backupsToDelete } from './retention.js';

const at = (iso: string) => ({ key: backupKeys.dump(new Date(iso)), time: new Date(iso) });

describe('backup retention', () => {
  it('when there are more backups than any rule keeps, then the oldest are deleted', () => {
    const backups = ['2026-11-20T03:00:00Z', '2026-11-21T03:00:00Z', '2026-11-22T03:00:00Z'].map(at);
    expect(backupsToDelete(backups, { keepLast: 2, keepDaily: 0, keepWeekly: 0 })).toEqual([backups[0]!.key]);
  });

  it('when several backups fall on one day, then daily thinning keeps the newest of each day', () => {
    const backups = [
      '2026-11-21T01:00:00Z',
      '2026-11-21T13:00:00Z',
      '2026-11-22T01:00:00Z',
      '2026-11-22T13:00:00Z',
    ].map(at);
    expect(backupsToDelete(backups, { keepLast: 1, keepDaily: 2, keepWeekly: 0 }).sort()).toEqual(
      [backups[0]!.key, backups[2]!.key].sort(),
    );
  });

  it('when backups span weeks, then weekly thinning keeps the newest of each recent week', () => {
    const backups = [
      '2026-10-27T03:00:00Z',
      '2026-11-03T03:00:00Z',
      '2026-11-10T03:00:00Z',
      '2026-11-11T03:00:00Z',
    ].map(at);
    const deleted = backupsToDelete(backups, { keepLast: 1, keepDaily: 0, keepWeekly: 2 });
    expect(deleted).toEqual([backups[2]!.key, backups[0]!.key]);
  });

  it('when a dump key is parsed, then its time comes back, and other keys are ignored', () => {
    const time = new Date('2026-11-23T10:52:08.123Z');
    expect(backupKeys.timeOf(backupKeys.dump(time))).toEqual(time);
    expect(backupKeys.timeOf(backupKeys.checksum(backupKeys.dump(time)))).toBeNull();
  });
});
