import { readdirSync, existsSync } from 'node:fs';

// Workspaces resolve to their TypeScript sources, so tests never need a build.
const moduleNameMapper = { '^(\\.{1,2}/.*)\\.js$': '$1' };
for (const root of ['packages', 'apps']) {
  for (const dir of readdirSync(root)) {
    if (existsSync(`${root}/${dir}/src/index.ts`)) {
      const name = dir === 'pictor' ? 'pictor' : dir;
      moduleNameMapper[`^@pictor/${name}$`] = `<rootDir>/${root}/${dir}/src/index.ts`;
    }
  }
}
// The embedded adapters for service tests and the image fixtures, subpaths of @pictor/testing.
moduleNameMapper['^@pictor/testing/(embedded|images)$'] = '<rootDir>/packages/testing/src/$1.ts';
// The test harness's modules by subpath: `@pictor/test-harness/browser`, `/chart`…
moduleNameMapper['^@pictor/test-harness/(.*)$'] = '<rootDir>/packages/test-harness/src/$1.ts';

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper,
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023', keepClassNames: true }, module: { type: 'es6' } },
    ],
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

/** @type {import('jest').Config} */
export default {
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.cjs'],
  projects: [
    // Helm chart, container image and dev-loop checks; Helm and hadolint are provisioned once,
    // before any test, by the project's globalSetup (run by Node as TypeScript, like the engines' CLI).
    {
      ...common,
      displayName: 'chart',
      testMatch: ['<rootDir>/charts/*/tests/**/*.test.ts'],
      globalSetup: '<rootDir>/packages/test-engines/src/jest-chart-setup.ts',
    },
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,apps}/*/src/**/*.test.ts', '!**/*.int.test.ts', '!**/*.medium.test.ts'],
    },
    {
      ...common,
      displayName: 'service',
      // One service on the embedded adapters (PGlite, disk, in-process bus, memory cache): no
      // engines, no child processes; each file opens its own.
      testMatch: ['<rootDir>/{packages,apps}/*/src/**/*.medium.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/scripts/jest-service-setup.js'],
    },
    {
      ...common,
      displayName: 'integration',
      // apps/web/e2e: the web page in Chromium (a TypeScript project of its own, with the DOM's types).
      testMatch: ['<rootDir>/{packages,apps}/*/src/**/*.int.test.ts', '<rootDir>/apps/web/e2e/**/*.int.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/scripts/jest-integration-setup.js'],
      // Real PostgreSQL, Redis, Kafka, MinIO (and NGINX, Prometheus binaries), once per run.
      globalSetup: '<rootDir>/packages/test-engines/src/jest-global-setup.ts',
      globalTeardown: '<rootDir>/packages/test-engines/src/jest-global-teardown.ts',
    },
  ],
};
