import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CHART_DIR, REPO_DIR, render } from './chart.js';

/**
 * The dashboards have one source, grafana/dashboards/ (what Grafana's file provisioning reads);
 * the chart ships a copy in charts/pictor/dashboards/ because Helm reads only files inside the
 * chart. `npm run dashboards:sync` makes the copy; these tests fail as soon as the two drift.
 */
const SOURCE = path.join(REPO_DIR, 'grafana/dashboards');
const COPY = path.join(CHART_DIR, 'dashboards');
const files = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  panels: { type: string; title: string; datasource?: { type: string; uid: string }; targets?: { expr: string }[] }[];
  templating: { list: { name: string; type: string }[] };
}

describe('Grafana dashboards', () => {
  it('when the chart is packaged, then its dashboards are byte for byte those of grafana/dashboards (npm run dashboards:sync)', () => {
    expect(files(COPY)).toEqual(files(SOURCE));
    for (const file of files(SOURCE)) {
      const same = readFileSync(path.join(SOURCE, file), 'utf8') === readFileSync(path.join(COPY, file), 'utf8');
      expect([file, same]).toEqual([file, true]);
    }
  });

  it('when the dashboards are enabled, then each becomes a ConfigMap labelled for the sidecar holding the source', async () => {
    const objects = await render({ set: { 'monitoring.dashboards.enabled': true } });
    const maps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('pictor-dashboard-'));
    expect(maps.map((m) => m.metadata.name).sort()).toEqual(
      files(SOURCE).map((f) => `pictor-dashboard-${f.replace(/\.json$/, '')}`),
    );
    for (const map of maps) {
      expect(map.metadata.labels?.grafana_dashboard).toBe('1');
      const [[file, text]] = Object.entries((map as unknown as { data: Record<string, string> }).data) as [
        [string, string],
      ];
      expect(text.trim()).toBe(readFileSync(path.join(SOURCE, file), 'utf8').trim());
    }
  });

  it('when a dashboard is opened, then its data sources are variables an operator picks, and uids are stable', () => {
    const uids = new Set<string>();
    for (const file of files(SOURCE)) {
      const dashboard = JSON.parse(readFileSync(path.join(SOURCE, file), 'utf8')) as Dashboard;
      expect(dashboard.uid).toBe(file.replace(/\.json$/, ''));
      expect(dashboard.tags).toContain('pictor');
      uids.add(dashboard.uid);
      expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        expect([panel.title, panel.datasource?.uid]).toEqual([panel.title, expect.stringMatching(/^\$\{\w+\}$/)]);
        for (const target of panel.targets ?? []) expect(target.expr.length).toBeGreaterThan(0);
      }
    }
    expect(uids.size).toBe(files(SOURCE).length);
  });
});
