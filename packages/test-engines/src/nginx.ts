// NGINX: Debian's nginx-light, only provisioned (the edge tests start it with the chart's configuration).

import { isExecutable } from './process.ts';
import type { DebianRequirement } from './server.ts';

export const NGINX_BIN = '/usr/sbin/nginx';

export const NGINX_DEBIAN: DebianRequirement[] = [
  { engine: 'nginx', packages: ['nginx-light'], find: () => isExecutable(NGINX_BIN), what: 'NGINX' },
];
