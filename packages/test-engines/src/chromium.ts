// Chromium: the browser of the web page's tests, driven by playwright-core (never `playwright install`).

import { isExecutable } from './process.ts';
import type { DebianRequirement } from './server.ts';

/** Debian's Chromium. */
export const CHROMIUM_BIN = '/usr/bin/chromium';

export const CHROMIUM_DEBIAN: DebianRequirement[] = [
  { engine: 'chromium', packages: ['chromium'], find: () => isExecutable(CHROMIUM_BIN), what: 'Chromium' },
];
