#!/usr/bin/env node
// Tracing starts first: the instrumentations patch modules as they load, so the rest of Pictor
// is imported only once they are in place.
import { startTelemetry } from './telemetry.js';

const telemetry = await startTelemetry(process.argv.slice(2), process.env).catch((error: unknown) => {
  process.stderr.write(
    `pictor: tracing is off, it failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  return undefined;
});
const { main } = await import('./cli.js');
await main(telemetry);
