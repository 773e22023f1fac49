// Integration tests boot whole programs and real engines: give them time (per-project testTimeout is not a thing).
import { jest } from '@jest/globals';

jest.setTimeout(90_000);
