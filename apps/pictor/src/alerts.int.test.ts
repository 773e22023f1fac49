import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { find, render } from '@pictor/test-harness/chart';

/**
 * The alerts exactly as the chart renders them (release `pictor` in namespace `pictor`, backup
 * and cleanup on), checked and unit-tested with Debian's promtool: each alert fires on the
 * series that should wake someone, and stays silent on a healthy twin of them.
 */
interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Group {
  name: string;
  rules: Rule[];
}

interface AlertCase {
  alert: string;
  interval?: string;
  evalTime: string;
  /** Series that must make it fire, and the labels it then carries (beyond alertname). */
  firing: { series: Record<string, string>; labels: Record<string, string> };
  /** A healthy twin: the alert stays silent. */
  quiet: Record<string, string>;
  /** Further cases: series (often starting missing, `_`) on which it must fire, or stay silent. */
  alsoFiring?: { name: string; series: Record<string, string>; evalTime?: string }[];
  alsoQuiet?: { name: string; series: Record<string, string>; evalTime?: string }[];
}

const NS = 'namespace="pictor"';

const CASES: AlertCase[] = [
  {
    alert: 'PictorHighErrorRate',
    evalTime: '15m',
    firing: {
      series: {
        [`http_requests_total{${NS}, status_class="5xx"}`]: '0+60x20',
        [`http_requests_total{${NS}, status_class="2xx"}`]: '0+60x20',
      },
      labels: { severity: 'critical' },
    },
    quiet: {
      [`http_requests_total{${NS}, status_class="5xx"}`]: '0+1x20',
      [`http_requests_total{${NS}, status_class="2xx"}`]: '0+600x20',
    },
    alsoFiring: [
      {
        // The api creates every route's 5xx series at 0 at start: the first 5xx counts.
        name: 'on a 5xx series that did not exist before the api started',
        series: {
          [`http_requests_total{${NS}, status_class="5xx"}`]: '_x3 0+60x20',
          [`http_requests_total{${NS}, status_class="2xx"}`]: '_x3 0+60x20',
        },
      },
    ],
  },
  {
    alert: 'PictorSlowProcessing',
    evalTime: '25m',
    firing: {
      series: {
        [`pictor_upload_to_ready_seconds_bucket{${NS}, le="60"}`]: '0x30',
        [`pictor_upload_to_ready_seconds_bucket{${NS}, le="120"}`]: '0+10x30',
        [`pictor_upload_to_ready_seconds_bucket{${NS}, le="+Inf"}`]: '0+10x30',
      },
      labels: { severity: 'warning' },
    },
    quiet: {
      [`pictor_upload_to_ready_seconds_bucket{${NS}, le="60"}`]: '0+10x30',
      [`pictor_upload_to_ready_seconds_bucket{${NS}, le="120"}`]: '0+10x30',
      [`pictor_upload_to_ready_seconds_bucket{${NS}, le="+Inf"}`]: '0+10x30',
    },
  },
  {
    alert: 'PictorOutboxStuck',
    evalTime: '15m',
    firing: { series: { [`pictor_outbox_oldest_age_seconds{${NS}}`]: '0+60x20' }, labels: { severity: 'critical' } },
    quiet: { [`pictor_outbox_oldest_age_seconds{${NS}}`]: '0x20' },
  },
  {
    alert: 'PictorConsumerLagGrowing',
    evalTime: '35m',
    firing: {
      series: { [`pictor_kafka_consumer_lag{${NS}, topic="pictor.images.uploaded", partition="0"}`]: '0+20x40' },
      labels: { severity: 'warning' },
    },
    // A large lag that is being worked off is no reason to wake anyone.
    quiet: { [`pictor_kafka_consumer_lag{${NS}, topic="pictor.images.uploaded", partition="0"}`]: '2000-20x40' },
  },
  {
    alert: 'PictorProcessingStalled',
    evalTime: '20m',
    // Every worker gone: the lag, as the api (running the relay) exports it, stays; the workers'
    // counter is gone with them.
    firing: {
      series: {
        [`pictor_kafka_consumer_lag{${NS}, job="pictor-api", topic="pictor.images.uploaded", partition="0"}`]:
          '0 0 3x30',
      },
      labels: { severity: 'critical' },
    },
    quiet: {
      [`pictor_kafka_consumer_lag{${NS}, job="pictor-api", topic="pictor.images.uploaded", partition="0"}`]: '3x30',
      [`pictor_images_processed_total{${NS}, job="pictor-worker", outcome="ready"}`]: '0+5x30',
    },
    alsoFiring: [
      {
        name: 'when workers run but handle nothing',
        series: {
          [`pictor_kafka_consumer_lag{${NS}, job="pictor-worker", topic="pictor.images.uploaded", partition="0"}`]:
            '3x30',
          [`pictor_images_processed_total{${NS}, job="pictor-worker", outcome="ready"}`]: '7x30',
        },
      },
    ],
    alsoQuiet: [
      {
        name: 'when idle without workers',
        series: {
          [`pictor_kafka_consumer_lag{${NS}, job="pictor-api", topic="pictor.images.uploaded", partition="0"}`]: '0x30',
        },
      },
    ],
  },
  {
    alert: 'PictorNotificationsFailing',
    evalTime: '20m',
    firing: {
      series: { [`pictor_notification_deliveries_total{${NS}, channel="email", outcome="failed"}`]: '0x14 1x10' },
      labels: { severity: 'warning', channel: 'email' },
    },
    quiet: { [`pictor_notification_deliveries_total{${NS}, channel="email", outcome="failed"}`]: '2x30' },
    alsoQuiet: [
      {
        name: 'when deliveries are only sent or retried',
        series: {
          [`pictor_notification_deliveries_total{${NS}, channel="email", outcome="retried"}`]: '0+1x30',
          [`pictor_notification_deliveries_total{${NS}, channel="email", outcome="failed"}`]: '0x30',
        },
      },
    ],
  },
  {
    alert: 'PictorNotifierLagging',
    evalTime: '40m',
    firing: {
      series: {
        [`pictor_notifier_consumer_lag{${NS}, job="pictor-notifier", partition="0"}`]: '0+100x40',
      },
      labels: { severity: 'warning' },
    },
    quiet: {
      // A large backlog that is shrinking: the notifier catches up.
      [`pictor_notifier_consumer_lag{${NS}, job="pictor-notifier", partition="0"}`]: '5000-100x40',
    },
    alsoQuiet: [
      {
        name: 'when a small backlog grows',
        series: { [`pictor_notifier_consumer_lag{${NS}, job="pictor-notifier", partition="0"}`]: '0+10x40' },
      },
    ],
  },
  {
    alert: 'PictorNotificationsDeadLetterGrowing',
    evalTime: '90m',
    firing: {
      series: { [`pictor_notifications_dlq_messages{${NS}, job="pictor-notifier"}`]: '0+2x90' },
      labels: { severity: 'critical' },
    },
    quiet: { [`pictor_notifications_dlq_messages{${NS}, job="pictor-notifier"}`]: '400x90' },
    alsoQuiet: [
      {
        name: 'when a few deliveries an hour are given up on',
        series: { [`pictor_notifications_dlq_messages{${NS}, job="pictor-notifier"}`]: '0+0.5x90' },
      },
    ],
  },
  {
    alert: 'PictorDeadLetters',
    evalTime: '20m',
    firing: {
      series: { [`pictor_dead_letters_total{${NS}, reason="CORRUPT_IMAGE"}`]: '0x14 1x10' },
      labels: { severity: 'warning', reason: 'CORRUPT_IMAGE' },
    },
    // Three dead letters, all more than 15 minutes ago.
    quiet: { [`pictor_dead_letters_total{${NS}, reason="CORRUPT_IMAGE"}`]: '3x30' },
    alsoFiring: [
      {
        // A worker creates each reason at 0 when it starts (before, the series did not exist).
        name: 'on one dead letter of a series that did not exist before the worker started',
        series: { [`pictor_dead_letters_total{${NS}, reason="CORRUPT_IMAGE"}`]: '_x3 0 0 1 1 1' },
        evalTime: '7m',
      },
      {
        name: 'on one dead letter before the new worker was first scraped (a series born at 1)',
        series: { [`pictor_dead_letters_total{${NS}, reason="CORRUPT_IMAGE", pod="b"}`]: '_x3 1 1 1 1' },
        evalTime: '6m',
      },
    ],
    alsoQuiet: [
      {
        name: 'on a worker that starts and dead-letters nothing',
        series: { [`pictor_dead_letters_total{${NS}, reason="CORRUPT_IMAGE"}`]: '_x3 0x30' },
      },
      {
        name: 'when the last dead letter is more than 15 minutes old',
        series: { [`pictor_dead_letters_total{${NS}, reason="CORRUPT_IMAGE"}`]: '_x3 1x30' },
        evalTime: '25m',
      },
    ],
  },
  {
    alert: 'PictorBackupTooOld',
    // Samples closer than the 5-minute lookback, so the alert's `for` sees it throughout.
    interval: '5m',
    evalTime: '28h',
    // Installed at time 0, never backed up: after 26 hours, it is time to worry.
    firing: {
      series: {
        [`pictor_last_backup_timestamp_seconds{${NS}}`]: '0x400',
        [`pictor_installed_timestamp_seconds{${NS}}`]: '0x400',
      },
      labels: { severity: 'critical' },
    },
    // A backup every 5 minutes: the newest is never older than the schedule allows.
    quiet: {
      [`pictor_last_backup_timestamp_seconds{${NS}}`]: '0+300x400',
      [`pictor_installed_timestamp_seconds{${NS}}`]: '0x400',
    },
    alsoFiring: [
      {
        name: 'when the only backup is 27 hours old',
        series: {
          [`pictor_last_backup_timestamp_seconds{${NS}}`]: '3600x400',
          [`pictor_installed_timestamp_seconds{${NS}}`]: '0x400',
        },
      },
    ],
    alsoQuiet: [
      {
        // Installed 10 hours into the run: at 28 hours it is 18 hours old, and has no backup yet.
        name: 'on a fresh install without a backup in its first day',
        series: {
          [`pictor_last_backup_timestamp_seconds{${NS}}`]: '_x120 0x280',
          [`pictor_installed_timestamp_seconds{${NS}}`]: '_x120 36000x280',
        },
      },
    ],
  },
  {
    alert: 'PictorCleanupFailing',
    evalTime: '3h',
    firing: {
      series: { [`pictor_cleanup_last_success_timestamp_seconds{${NS}}`]: '0x200' },
      labels: { severity: 'warning' },
    },
    // A successful run every minute (the api exports the time the database recorded).
    quiet: { [`pictor_cleanup_last_success_timestamp_seconds{${NS}}`]: '0+60x200' },
  },
  {
    alert: 'PictorReplicaUnhealthy',
    evalTime: '15m',
    firing: {
      // Both api pods have the eu replica's circuit open; us is fine.
      series: {
        [`pictor_replica_up{${NS}, pod="api-1", replica="eu"}`]: '1 0x20',
        [`pictor_replica_up{${NS}, pod="api-2", replica="eu"}`]: '1 0x20',
        [`pictor_replica_up{${NS}, pod="api-1", replica="us"}`]: '1x20',
      },
      labels: { severity: 'warning', replica: 'eu' },
    },
    quiet: {
      [`pictor_replica_up{${NS}, pod="api-1", replica="eu"}`]: '1x20',
      [`pictor_replica_up{${NS}, pod="api-2", replica="eu"}`]: '1x20',
    },
    alsoQuiet: [
      {
        // One pod's probe failed (its own network, a slow answer): the others still use eu.
        name: 'when only one api pod skips the replica',
        series: {
          [`pictor_replica_up{${NS}, pod="api-1", replica="eu"}`]: '1 0x20',
          [`pictor_replica_up{${NS}, pod="api-2", replica="eu"}`]: '1x20',
        },
      },
    ],
  },
  {
    alert: 'PictorReplicaLagging',
    evalTime: '20m',
    firing: {
      // Both api pods measure over a minute for us (one of them never saw the probe arrive).
      series: {
        [`pictor_replica_lag_seconds{${NS}, pod="api-1", replica="us"}`]: '0.2 95x25',
        // promtool repeats numbers (`95x25`), not infinities: those are written out.
        [`pictor_replica_lag_seconds{${NS}, pod="api-2", replica="us"}`]: [
          '0.3',
          ...Array<string>(26).fill('+Inf'),
        ].join(' '),
        [`pictor_replica_lag_seconds{${NS}, pod="api-1", replica="eu"}`]: '0.2x25',
      },
      labels: { severity: 'warning', replica: 'us' },
    },
    quiet: {
      [`pictor_replica_lag_seconds{${NS}, pod="api-1", replica="us"}`]: '0.4x25',
      [`pictor_replica_lag_seconds{${NS}, pod="api-2", replica="us"}`]: '1.5x25',
    },
    alsoQuiet: [
      {
        // One pod's measurement was slow (its own network): the other saw the probe at once.
        name: 'when only one api pod measures a long lag',
        series: {
          [`pictor_replica_lag_seconds{${NS}, pod="api-1", replica="us"}`]: Array<string>(26).fill('+Inf').join(' '),
          [`pictor_replica_lag_seconds{${NS}, pod="api-2", replica="us"}`]: '0.5x25',
        },
      },
      {
        // A burst of writes: behind for five minutes, then caught up.
        name: 'when the lag is over the bound for less than 15 minutes',
        series: {
          [`pictor_replica_lag_seconds{${NS}, pod="api-1", replica="us"}`]: '0.3x5 120x5 0.3x15',
        },
      },
    ],
  },
  {
    alert: 'PictorApiDown',
    evalTime: '10m',
    firing: {
      series: { [`up{${NS}, job="pictor-api", instance="10.0.0.1:9464"}`]: '1 1 0x20' },
      labels: { severity: 'critical' },
    },
    quiet: { [`up{${NS}, job="pictor-api", instance="10.0.0.1:9464"}`]: '1x20' },
  },
  {
    alert: 'PictorWorkerDown',
    evalTime: '10m',
    firing: {
      series: {
        [`up{${NS}, job="pictor-worker", instance="10.0.0.2:9464"}`]: '1 1 0x20',
        [`up{${NS}, job="pictor-worker", instance="10.0.0.3:9464"}`]: '1 1 0x20',
      },
      labels: { severity: 'critical' },
    },
    // One of two workers down: the other still works; the autoscaler and the lag alerts see to it.
    quiet: {
      [`up{${NS}, job="pictor-worker", instance="10.0.0.2:9464"}`]: '1 1 0x20',
      [`up{${NS}, job="pictor-worker", instance="10.0.0.3:9464"}`]: '1x20',
    },
    alsoFiring: [
      {
        // Deployment scaled to 0 or every pod gone: no target at all.
        name: 'when no worker target exists at all',
        series: { [`up{${NS}, job="pictor-api", instance="10.0.0.1:9464"}`]: '1x20' },
      },
    ],
  },
  {
    alert: 'PictorRelayDown',
    evalTime: '10m',
    firing: {
      series: { [`up{${NS}, job="pictor-relay", instance="10.0.0.4:9464"}`]: '0x20' },
      labels: { severity: 'critical' },
    },
    quiet: { [`up{${NS}, job="pictor-relay", instance="10.0.0.4:9464"}`]: '1x20' },
  },
  {
    alert: 'PictorApiUnavailable',
    evalTime: '8m',
    firing: {
      series: { [`kube_deployment_status_replicas_available{${NS}, deployment="pictor-api"}`]: '0x10' },
      labels: { severity: 'critical', namespace: 'pictor', deployment: 'pictor-api' },
    },
    quiet: { [`kube_deployment_status_replicas_available{${NS}, deployment="pictor-api"}`]: '2x10' },
  },
  {
    alert: 'PictorEdgeUnavailable',
    evalTime: '8m',
    firing: {
      series: { [`kube_deployment_status_replicas_available{${NS}, deployment="pictor-edge"}`]: '0x10' },
      labels: { severity: 'critical', namespace: 'pictor', deployment: 'pictor-edge' },
    },
    quiet: { [`kube_deployment_status_replicas_available{${NS}, deployment="pictor-edge"}`]: '2x10' },
  },
  {
    alert: 'PictorWorkerAtMaxReplicas',
    evalTime: '35m',
    firing: {
      series: {
        [`kube_horizontalpodautoscaler_status_current_replicas{${NS}, horizontalpodautoscaler="pictor-worker"}`]:
          '10x40',
        [`kube_horizontalpodautoscaler_spec_max_replicas{${NS}, horizontalpodautoscaler="pictor-worker"}`]: '10x40',
      },
      labels: { severity: 'warning', namespace: 'pictor', horizontalpodautoscaler: 'pictor-worker' },
    },
    quiet: {
      [`kube_horizontalpodautoscaler_status_current_replicas{${NS}, horizontalpodautoscaler="pictor-worker"}`]: '4x40',
      [`kube_horizontalpodautoscaler_spec_max_replicas{${NS}, horizontalpodautoscaler="pictor-worker"}`]: '10x40',
    },
  },
  {
    alert: 'PictorJobFailed',
    evalTime: '3m',
    firing: {
      series: { [`kube_job_status_failed{${NS}, job_name="pictor-backup-29170560"}`]: '1x5' },
      labels: { severity: 'warning', namespace: 'pictor', job_name: 'pictor-backup-29170560' },
    },
    quiet: { [`kube_job_status_failed{${NS}, job_name="pictor-backup-29170560"}`]: '0x5' },
  },
];

let dir: string;
let groups: Group[];

function promtool(args: string[]): Promise<{ code: number; output: string }> {
  const bin = process.env.PICTOR_PROMTOOL_BIN;
  if (!bin)
    throw new Error('PICTOR_PROMTOOL_BIN is not set: run the integration tests through jest (@pictor/test-engines)');
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: dir }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pictor-promtool-'));
  const objects = await render({
    set: {
      'metrics.enabled': true,
      'monitoring.serviceMonitor.enabled': true,
      'monitoring.podMonitor.enabled': true,
      'relay.mode': 'deployment',
      'monitoring.prometheusRule.enabled': true,
      'monitoring.prometheusRule.runbookBaseUrl': 'https://example.test/RUNBOOK.md',
      'backup.enabled': true,
      'cleanup.enabled': true,
      'objectStorage.replication.enabled': true,
      'objectStorage.replication.existingSecret': 'pictor-replicas',
    },
  });
  const rule = find(objects, 'PrometheusRule', 'pictor') as unknown as { spec: { groups: Group[] } };
  groups = rule.spec.groups;
  // JSON is YAML, so promtool reads these files as they are.
  await writeFile(path.join(dir, 'rules.yaml'), JSON.stringify({ groups }));
  // Annotations are templates checked by `promtool check rules`; the unit tests compare labels.
  const bare = groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _drop, ...r }) => r) }));
  await writeFile(path.join(dir, 'bare-rules.yaml'), JSON.stringify({ groups: bare }));
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('when the chart renders its PrometheusRule', () => {
  it('then promtool accepts every rule and template', async () => {
    const result = await promtool(['check', 'rules', 'rules.yaml']);
    expect([result.code, result.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('then every alert has a severity, a summary, a description and a runbook section in docs/RUNBOOK.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const runbook = await readFile(new URL('../../../docs/RUNBOOK.md', import.meta.url), 'utf8');
    const alerts = groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.map((a) => a.alert).sort()).toEqual(CASES.map((c) => c.alert).sort());
    for (const a of alerts) {
      expect([a.alert, Object.keys(a.annotations ?? {}).sort()]).toEqual([
        a.alert,
        ['description', 'runbook_url', 'summary'],
      ]);
      expect(['critical', 'warning']).toContain(a.labels?.severity);
      expect(a.annotations?.runbook_url).toBe(`https://example.test/RUNBOOK.md#${a.alert!.toLowerCase()}`);
      expect([a.alert, runbook.includes(`\n## ${a.alert}\n`)]).toEqual([a.alert, true]);
    }
  });

  it('then promtool unit tests fire each alert on a failure and keep it silent on a healthy twin', async () => {
    const tests = CASES.flatMap((c) => [
      ...(c.alsoFiring ?? []).map((extra) => ({
        name: `${c.alert} fires ${extra.name}`,
        interval: c.interval ?? '1m',
        input_series: Object.entries(extra.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          {
            eval_time: extra.evalTime ?? c.evalTime,
            alertname: c.alert,
            exp_alerts: [{ exp_labels: c.firing.labels }],
          },
        ],
      })),
      ...(c.alsoQuiet ?? []).map((extra) => ({
        name: `${c.alert} stays silent ${extra.name}`,
        interval: c.interval ?? '1m',
        input_series: Object.entries(extra.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [{ eval_time: extra.evalTime ?? c.evalTime, alertname: c.alert, exp_alerts: [] }],
      })),
      {
        name: `${c.alert} fires`,
        interval: c.interval ?? '1m',
        input_series: Object.entries(c.firing.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: [{ exp_labels: c.firing.labels }] }],
      },
      {
        name: `${c.alert} stays silent`,
        interval: c.interval ?? '1m',
        input_series: Object.entries(c.quiet).map(([series, values]) => ({ series, values })),
        alert_rule_test: [{ eval_time: c.evalTime, alertname: c.alert, exp_alerts: [] }],
      },
    ]);
    await writeFile(path.join(dir, 'tests.yaml'), JSON.stringify({ rule_files: ['bare-rules.yaml'], tests }));
    const result = await promtool(['test', 'rules', 'tests.yaml']);
    expect([result.code, result.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });
});
