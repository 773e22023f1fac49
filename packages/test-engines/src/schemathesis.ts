// schemathesis: the API contract tester, from PyPI into a virtualenv of its own in the cache.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Log } from './common.ts';
import { exists, isExecutable, runOk } from './process.ts';
import type { DebianRequirement } from './server.ts';

/** API contract tester (PyPI `schemathesis`), in a virtualenv of its own in the cache. */
export const SCHEMATHESIS_VERSION = '4.32.5';

export const SCHEMATHESIS_DEBIAN: DebianRequirement[] = [
  {
    engine: 'schemathesis',
    packages: ['python3', 'python3-venv'],
    find: () => spawnSync('python3', ['-c', 'import venv, ensurepip'], { stdio: 'ignore' }).status === 0,
    what: 'Python 3 with venv',
  },
];

/** schemathesis from PyPI into `<cache>/schemathesis-<version>/` (a virtualenv); returns its `st`. */
export async function provisionSchemathesis(cache: string, log: Log): Promise<string> {
  const home = join(cache, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = join(home, 'bin', 'st');
  const marker = join(home, '.complete');
  if (exists(marker) && isExecutable(st)) return st;
  // A virtualenv's scripts name its directory, so it is built where it lives; the marker file
  // tells a finished one from an interrupted one, which is started again.
  fs.rmSync(home, { recursive: true, force: true });
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI into ${home}`);
  const started = Date.now();
  await runOk('python3', ['-m', 'venv', home], { timeoutMs: 300_000 });
  await runOk(
    join(home, 'bin', 'python'),
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`],
    { timeoutMs: 1_200_000 },
  );
  if (!isExecutable(st)) throw new Error(`schemathesis installed into ${home} but ${st} is missing`);
  fs.writeFileSync(marker, `${SCHEMATHESIS_VERSION}\n`);
  log(`installed schemathesis in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return st;
}
