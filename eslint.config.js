// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');

module.exports = tseslint.config(
  { ignores: ['dist/**', '.build/**', 'node_modules/**', '.data/**', '.reports/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflow code is replayed and must be deterministic: only the workflow SDK, types and pure
    // domain code. Activities may be imported for their types only.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|\\.\\./domain/|\\./|\\.\\./activities/).*',
              message:
                'workflows may import only @temporalio/workflow, pure ../domain code and other workflow files',
            },
            {
              regex: '^\\.\\./activities/',
              allowTypeImports: true,
              message: 'workflows may import activities for their types only (import type)',
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code is pure: workflows import it, so no Node built-ins and no I/O clients.
    files: ['domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./|zod$|yaml$|magic-bytes\\.js$|@temporalio/common$).*',
              message:
                'domain code is pure: only other domain modules, zod, yaml, magic-bytes.js, @temporalio/common',
            },
          ],
        },
      ],
    },
  },
  {
    // The layers run one way: HTTP (api) and workers call the application (services), which calls
    // activities' neighbours (adapters), stores and the domain; nothing below reaches back up.
    files: ['services/**/*.ts', 'adapters/**/*.ts', 'stores/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(\\.\\./)*(api|workers)/',
              message: 'the application, adapters and stores never import the HTTP layer or the workers',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['adapters/**/*.ts', 'stores/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(\\.\\./)*(api|workers|services|activities)/',
              message: 'adapters and stores are called by the layers above and never import them',
            },
          ],
        },
      ],
    },
  },
);
