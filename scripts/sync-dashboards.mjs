#!/usr/bin/env node
// Copies the Grafana dashboards from their source, grafana/dashboards/, into the chart
// (charts/pictor/dashboards/), which Helm can read: Helm only sees files inside the chart.
// `--check` changes nothing and fails when the copies differ (the chart tests run it too).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SOURCE = path.join(root, 'grafana/dashboards');
export const COPY = path.join(root, 'charts/pictor/dashboards');

const json = (dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];

/** Names of dashboards missing, extra or different in the chart's copy. */
export function drift() {
  const source = json(SOURCE);
  const copy = new Set(json(COPY));
  const problems = [];
  for (const file of source) {
    if (!copy.has(file)) problems.push(`${file}: missing from charts/pictor/dashboards`);
    else if (!readFileSync(path.join(SOURCE, file)).equals(readFileSync(path.join(COPY, file))))
      problems.push(`${file}: differs from grafana/dashboards`);
    copy.delete(file);
  }
  for (const file of copy) problems.push(`${file}: in charts/pictor/dashboards only`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const problems = drift();
    if (problems.length > 0) {
      process.stderr.write(`${problems.join('\n')}\nRun: npm run dashboards:sync\n`);
      process.exit(1);
    }
  } else {
    mkdirSync(COPY, { recursive: true });
    for (const file of json(COPY)) rmSync(path.join(COPY, file));
    for (const file of json(SOURCE)) copyFileSync(path.join(SOURCE, file), path.join(COPY, file));
  }
}
