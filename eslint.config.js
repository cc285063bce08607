// ESLint flat config (`npm run lint`): typescript-eslint with type information
// (a forgotten `await` or a promise handed to a callback that ignores it is
// only visible with types), one import order, formatting left to prettier.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'data/', '.tmp/', 'web/dist/', 'test-output/', 'client/schema.d.ts'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Off: every hit is an async function that must be async without awaiting anything (a Fastify plugin,
      // a hook, an implementation of an async interface, a fake in a test). A forgotten `await` inside one
      // is what no-floating-promises reports; this rule would only trade `async` for Promise.resolve noise.
      '@typescript-eslint/require-await': 'off',
      // node: built-ins, then packages, then the project's own modules from the farthest (../..) to the nearest (./),
      // each block alphabetical and without blank lines: the order the code already follows.
      'import-x/order': [
        'error',
        {
          groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'],
          'newlines-between': 'never',
          alphabetize: { order: 'asc', caseInsensitive: false },
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] },
      ],
      // Tests read JSON response bodies (typed `any`) and assert their shape; the assertion is the type check.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The console runs in the browser.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      // React event props ignore what a handler returns (refetch(), mutateAsync() as onClick).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      // TanStack Table's own idiom: ColumnDef<Row, any> (each column has its own value type).
      '@typescript-eslint/no-explicit-any': 'off',
      // TanStack Query hands errors and data through generics typed from the queryFn; where the
      // document is open-ended (a revision's spec) values are narrowed where they are read.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
