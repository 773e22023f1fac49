// A lock file between processes: provisioning and the state file's updates are serialised.

import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type { Log } from './common.ts';
import { pidAlive, sleep } from './process.ts';

/**
 * Serialises provisioning between processes with an exclusive lock file (stale locks of dead
 * processes are taken over).
 */
export async function withLock<T>(path: string, log: Log, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 45 * 60_000;
  let announced = false;
  for (;;) {
    try {
      const handle = await fsp.open(path, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let holder: number;
      try {
        holder = Number(fs.readFileSync(path, 'utf8').trim() || 0);
      } catch {
        continue; // released meanwhile
      }
      if (holder && !pidAlive(holder)) {
        fs.rmSync(path, { force: true });
        continue;
      }
      if (!holder && Date.now() - fs.statSync(path).mtimeMs > 10_000) {
        fs.rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`provisioning lock ${path} still held by pid ${holder}`, { cause: error });
      }
      if (!announced) log(`waiting for provisioning lock ${path} (held by pid ${holder})`);
      announced = true;
      await sleep(500);
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(path, { force: true });
  }
}
