// eslint.config.js — ESLint 9 flat config: typescript-eslint's `recommended` rules on the
// TypeScript sources (lib/**/*.ts) and tests (test/**/*.ts); generated output, native builds,
// dependencies, prebuilt binaries and docs are ignored. Run with `npx eslint .` (`npm run lint`).
// Deviations from `recommended`, each for a deliberate pattern in this code base, are listed
// below with the reason; everything else is an error.
const { defineConfig, globalIgnores } = require('eslint/config');
const tseslint = require('typescript-eslint');

module.exports = defineConfig([
  globalIgnores(['dist/', 'build/', 'node_modules/', 'prebuilds/', 'docs/', 'runs/', '.data/', 'bench/results/']),
  {
    files: ['lib/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names mark arguments/bindings that are unused on purpose (API-shaped
      // callbacks, destructuring to drop a field); anything else unused is a real problem.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
]);
