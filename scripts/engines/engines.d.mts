// Types of what TypeScript tests import from engines.mjs.
export type EngineName = 'postgres' | 'redis' | 'kafka' | 'minio' | 'nginx' | 'prometheus';

export interface EngineControl {
  statePath: string;
  isRunning(name: EngineName): Promise<boolean>;
  stop(name: EngineName, options?: { signal?: NodeJS.Signals }): Promise<void>;
  start(name: EngineName): Promise<void>;
}

export function engineControl(statePath: string): EngineControl;

export function createTestDatabase(databaseUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }>;
