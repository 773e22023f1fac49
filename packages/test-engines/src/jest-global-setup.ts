// jest globalSetup of the integration project: provisions and starts the real engines once per run
// and exports their environment (DATABASE_URL, REDIS_URL, KAFKA_BROKERS, S3_*, PICTOR_*) to the
// test workers. With PICTOR_ENGINES_STATE already set (engines started by hand with
// `npm run engines -- up`), the running engines are reused instead.
// A missing or broken engine fails the run with a message naming it: never a skip.

import { provisionChartTools } from './chart-tools.ts';
import { defaultLog } from './common.ts';
import { attachEngines, startEngines, type EngineSet } from './engine-set.ts';
import { keepEngineSet } from './jest-state.ts';

export default async function globalSetup(): Promise<void> {
  // Integration tests render the chart too (the edge's configuration, the alert rules): Helm is
  // provisioned here as well, so one integration file can run alone, never under a test's timeout.
  await provisionChartTools();
  const reuse = process.env.PICTOR_ENGINES_STATE;
  if (reuse) {
    const env = await attachEngines(reuse).catch((error: unknown) => {
      throw new Error(`[engines] cannot reuse the engines of PICTOR_ENGINES_STATE: ${(error as Error).message}`, {
        cause: error,
      });
    });
    Object.assign(process.env, env);
    defaultLog(`reusing engines of ${reuse}`);
    return;
  }
  process.stderr.write('\n');
  let set: EngineSet;
  try {
    set = await startEngines({ log: defaultLog });
  } catch (error) {
    throw new Error(
      `[engines] the integration tests need real engines and at least one is missing or broken:\n` +
        `${(error as Error).message}\n\nProvision them with: npm run engines -- provision ` +
        `(see docs/TEST-ENGINES.md)`,
      { cause: error },
    );
  }
  Object.assign(process.env, set.env);
  keepEngineSet(set);
}
