// ESLint for the whole tree, run by `npm test` (scripts/lint.sh). typescript-eslint's recommended
// rules everywhere; with type information, the rules that catch a promise nobody waits for (a
// tunnel error that would vanish); React's hook rules and jsx-a11y for the window, whose every
// control must work from the keyboard and a screen reader.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'release/', '.tmp/', 'docs/', 'build/', 'patches/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['renderer/vite.config.ts', 'renderer/vite.units.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A promise dropped on the floor loses its error: every one is awaited, returned, or marked `void` on purpose.
      // (node:test's test() and describe() return promises the runner itself waits for.)
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      // `_name` marks what is taken apart to be left out (`const { id: _id, ...rest } = s`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Tests and narrow spots use `!` where the line before proved the value is there.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // A `let` a callback reads before its one assignment (a reporter made once the options are read) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Control characters in regular expressions are the point where Burrow refuses them in input.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['renderer/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks, 'jsx-a11y': jsxA11y },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...jsxA11y.flatConfigs.recommended.rules,
      // A radio's label holds the input and, a level further down, its words (<strong>{label}</strong>).
      'jsx-a11y/label-has-associated-control': ['error', { depth: 3 }],
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
);
