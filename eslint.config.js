import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'docs/api/',
      'test-artifacts/',
      '.etl/',
      '.scratch/',
      'test/helpers/*.mjs',
      'node_modules/',
      'coverage/',
      '.bench-peers/',
      'scripts/',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Values read back from the database are typed unknown; String() of them is intended.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    // The engine seam: only core/engine/ talks to a database driver.
    files: ['core/**/*.ts', 'cli/**/*.ts'],
    ignores: ['core/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@duckdb/*', 'duckdb', 'pg', 'postgres'],
              message: 'only core/engine/ imports a database driver; ask the engine adapter',
            },
          ],
        },
      ],
    },
  },
);
