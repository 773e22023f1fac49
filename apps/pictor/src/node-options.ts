/**
 * The Node.js options every Pictor process starts with: the container's entrypoint, `npm start`
 * and the tests' processes pass exactly these before `main.js` (node-options.test.ts checks the
 * first two). They cannot be set from inside: V8 sizes its heap before any code runs.
 *
 * `--max-semi-space-size=8` (MiB): on a machine with a few GiB of memory Node.js 24 gives the young
 * generation 64 MiB semi-spaces. V8 starts marking the old generation whenever less room is left
 * under its limit than the young generation could promote at once, which with so large a young
 * generation is always: the api ran a full garbage collection about once a second under a steady
 * upload load, each 50–100 ms of CPU on its heap, and those were the uploads' slowest answers.
 * With 8 MiB it runs one every several seconds, and many short scavenges instead (docs/BENCHMARKS.md,
 * "What the api's latency tail was").
 */
export const NODE_FLAGS = ['--max-semi-space-size=8'] as const;
