// Prometheus, promtool and jq from Debian, only provisioned (the tests start Prometheus with
// their own configuration and check the chart's rules with promtool).

import { isExecutable, which } from './process.ts';
import type { DebianRequirement } from './server.ts';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

export const PROMETHEUS_DEBIAN: DebianRequirement[] = [
  {
    engine: 'prometheus',
    packages: ['prometheus'],
    find: () => isExecutable(PROMETHEUS_BIN) && isExecutable(PROMTOOL_BIN),
    what: 'Prometheus and promtool',
  },
  // The runbook's `kubectl logs … | jq` commands are run against real logs in the tests.
  { engine: 'prometheus', packages: ['jq'], find: () => which('jq') !== null, what: 'jq' },
];
