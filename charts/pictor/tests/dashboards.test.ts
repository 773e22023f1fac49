import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { DashboardCursorSync, defaultDashboard, VariableHide, VariableRefresh } from '@grafana/schema';
import { parse as parseYaml } from 'yaml';
import { CHART_DIR, REPO_DIR, render } from '@pictor/test-harness/chart';

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
  schemaVersion: number;
  graphTooltip: number;
  panels: { type: string; title: string; datasource?: { type: string; uid: string }; targets?: { expr: string }[] }[];
  templating: {
    list: { name: string; type: string; hide?: number; refresh?: number; allValue?: string; multi?: boolean }[];
  };
}

const read = (file: string) => JSON.parse(readFileSync(path.join(SOURCE, file), 'utf8')) as Dashboard;

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

  it("when a dashboard is loaded, then it is at the schema version of Grafana's current schema (@grafana/schema), with valid enums", () => {
    expect(defaultDashboard.schemaVersion).toBe(42);
    for (const file of files(SOURCE)) {
      const dashboard = read(file);
      expect([file, dashboard.schemaVersion]).toEqual([file, defaultDashboard.schemaVersion]);
      expect(Object.values(DashboardCursorSync)).toContain(dashboard.graphTooltip);
      for (const v of dashboard.templating.list) {
        if (v.hide !== undefined)
          expect([v.name, Object.values(VariableHide)]).toEqual([v.name, expect.arrayContaining([v.hide])]);
        if (v.refresh !== undefined)
          expect([v.name, Object.values(VariableRefresh)]).toEqual([v.name, expect.arrayContaining([v.refresh])]);
      }
    }
  });

  it('when "All" is picked, then the query variables stay on the values found, never `.*` (which matches series without the label)', () => {
    for (const file of files(SOURCE)) {
      const variables = read(file).templating.list.filter((v) => v.type === 'query');
      expect(variables.map((v) => v.name)).toEqual(['namespace', 'job']);
      for (const v of variables) expect([file, v.name, v.allValue, v.multi]).toEqual([file, v.name, undefined, true]);
    }
  });

  it("when a panel reads http_* or process_* series, then it selects Pictor's jobs, which other programs do not share", () => {
    for (const file of files(SOURCE)) {
      for (const panel of read(file).panels) {
        for (const target of panel.targets ?? []) {
          for (const m of target.expr.matchAll(/\b(http_\w+|process_\w+|nodejs_\w+)\{([^}]*)\}/g)) {
            expect([panel.title, m[2]]).toEqual([panel.title, expect.stringContaining('job=~"$job"')]);
          }
        }
      }
    }
  });

  it("when Grafana provisions Pictor's data sources beside kube-prometheus-stack's, then none is default, none shares its name, and each has a URL", () => {
    const file = path.join(REPO_DIR, 'grafana/provisioning/datasources/pictor.yaml');
    const { datasources } = parseYaml(readFileSync(file, 'utf8')) as {
      datasources: { name: string; uid: string; type: string; url: string; isDefault?: boolean }[];
    };
    expect(datasources.map((d) => d.type).sort()).toEqual(['loki', 'prometheus']);
    for (const d of datasources) {
      expect([d.name, d.isDefault]).toEqual([d.name, false]);
      expect(['Prometheus', 'Loki']).not.toContain(d.name);
      expect(d.uid).toMatch(/^pictor-/);
      // Grafana expands ${VAR} without a default: an unset variable would be an empty URL.
      expect([d.name, d.url]).toEqual([d.name, expect.stringMatching(/^https?:\/\/[^$]+$/)]);
    }
  });
});
