// jest globalTeardown: stops the engines that jest-global-setup.mjs started (reused ones are
// left running for whoever started them).

export default async function globalTeardown() {
  const set = globalThis.__PICTOR_ENGINES__;
  if (!set) return;
  delete globalThis.__PICTOR_ENGINES__;
  await set.stop();
}
