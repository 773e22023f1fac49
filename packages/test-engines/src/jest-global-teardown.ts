// jest globalTeardown of the integration project: stops the engines that jest-global-setup.ts
// started (reused ones are left running for whoever started them).

import { takeEngineSet } from './jest-state.ts';

export default async function globalTeardown(): Promise<void> {
  const set = takeEngineSet();
  if (!set) return;
  await set.stop();
}
