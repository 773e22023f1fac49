export interface Measurement {
  /** CPU time (user + system, all threads of this process) per operation, in ms. */
  cpuMsPerOp: number;
  wallMsPerOp: number;
  ops: number;
}

/** Runs `op` for every input, `rounds` times after one warm-up round, and reports per-op costs. */
export async function measure<T>(
  inputs: readonly T[],
  rounds: number,
  op: (input: T) => Promise<unknown>,
): Promise<Measurement> {
  for (const input of inputs) await op(input);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  let ops = 0;
  for (let r = 0; r < rounds; r++) {
    for (const input of inputs) {
      await op(input);
      ops++;
    }
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return { cpuMsPerOp: (used.user + used.system) / 1000 / ops, wallMsPerOp: wallMs / ops, ops };
}
