import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const INFRASTRUCTURE = [
  'pg',
  'sharp',
  'express',
  'multer',
  'winston',
  'kafkajs',
  'ioredis',
  'minio',
  '@electric-sql/*',
  'file-type',
  '@kubernetes/*',
];

/** The test tooling packages: only tests, the bench and the test packages themselves import them. */
const TEST_TOOLING = {
  group: [
    '@pictor/test-engines',
    '@pictor/test-engines/*',
    '@pictor/test-harness',
    '@pictor/test-harness/*',
    '@pictor/testing',
    '@pictor/testing/*',
    '**/test-engines/**',
    '**/test-harness/**',
  ],
  message: 'Test tooling is imported by tests only (*.test.ts), never by code that ships.',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.check.json', './apps/web/tsconfig.json', './apps/web/e2e/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Code that ships never loads test tooling (the more specific blocks below repeat the rule).
    files: ['{apps,packages}/*/src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      'apps/bench/**',
      'packages/testing/**',
      'packages/test-engines/**',
      'packages/test-harness/**',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: [TEST_TOOLING] }] },
  },
  {
    // The domain imports no infrastructure and no other workspace: ports point inwards.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@pictor/*', ...INFRASTRUCTURE], message: 'core is the domain: depend on a port instead.' },
          ],
        },
      ],
    },
  },
  {
    // Service tests run one use case on the embedded adapters: they alone may name them (and the
    // fixture that opens them) from inside the domain. Engines' clients stay forbidden.
    files: ['packages/core/src/**/*.medium.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@pictor/*',
                '!@pictor/sql',
                '!@pictor/objects',
                '!@pictor/events',
                '!@pictor/cache',
                '!@pictor/imaging',
                '!@pictor/testing',
                '!@pictor/testing/embedded',
                // sharp makes and reads test images (EXIF in, none out); engines' clients stay out.
                ...INFRASTRUCTURE.filter((pattern) => pattern !== 'sharp'),
              ],
              message: 'A service test uses the adapter packages, not engines or other workspaces.',
            },
          ],
        },
      ],
    },
  },
  {
    // Adapters know the domain's ports, never each other; only apps/pictor wires them together.
    files: ['packages/{sql,objects,events,cache,imaging,kubernetes,notifications}/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@pictor/*', '!@pictor/core'], message: 'An adapter depends on @pictor/core only.' }] },
      ],
    },
  },
  {
    files: ['apps/{api,worker,relay}/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@pictor/sql',
                '@pictor/objects',
                '@pictor/events',
                '@pictor/cache',
                '@pictor/config',
                '@pictor/kubernetes',
                '@pictor/notifications',
                '@pictor/imaging',
              ],
              message: 'Programs receive adapters through their deps; apps/pictor wires them.',
            },
            TEST_TOOLING,
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { ...globals.node } },
  },
);
