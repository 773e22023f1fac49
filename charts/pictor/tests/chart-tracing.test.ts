import { describe, expect, it } from '@jest/globals';
import { find, render } from '@pictor/test-harness/chart';

type Egress = { ports?: { port: number; protocol?: string }[]; to?: unknown[] }[];
const egressOf = (objects: Awaited<ReturnType<typeof render>>, name: string) =>
  (find(objects, 'NetworkPolicy', name).spec as { egress: Egress }).egress;

describe('traces under NetworkPolicies', () => {
  it('when an OTLP endpoint is configured, then the api and the processes may reach its port, and only then', async () => {
    const endpoint = 'http://otel-collector.monitoring:4318';
    const on = await render({
      set: { 'networkPolicy.enabled': true, 'config.OTEL_EXPORTER_OTLP_ENDPOINT': endpoint },
    });
    const off = await render({ set: { 'networkPolicy.enabled': true } });
    for (const name of ['pictor-api', 'pictor-processes']) {
      expect(egressOf(on, name)).toContainEqual({ ports: [{ port: 4318, protocol: 'TCP' }] });
      expect(
        egressOf(off, name)
          .flatMap((e) => e.ports ?? [])
          .map((p) => p.port),
      ).not.toContain(4318);
    }
    const configMap = find(on, 'ConfigMap', 'pictor-config').data as Record<string, string>;
    expect(configMap.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(endpoint);
  });

  it('when peers are given for the collector, then they replace the open port rule', async () => {
    const peer = { to: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }], ports: [{ port: 4318 }] };
    const objects = await render({
      set: {
        'networkPolicy.enabled': true,
        'config.OTEL_EXPORTER_OTLP_ENDPOINT': 'https://collector.example.com',
        'networkPolicy.external.tracing': [peer],
      },
    });
    expect(egressOf(objects, 'pictor-api')).toContainEqual(peer);
    expect(egressOf(objects, 'pictor-api')).not.toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }] });
  });
});
