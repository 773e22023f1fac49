// Service tests open PGlite and migrate it once per file: a few seconds on a busy machine, more
// than jest's default 5 s for a hook. The tests themselves still take milliseconds.
import { jest } from '@jest/globals';

jest.setTimeout(30_000);
