import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/generated/', 'coverage/', 'bench/results/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The GraphQL layer stays in small pieces.
    files: ['src/graphql/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60 }] },
  },
  {
    // Resolvers validate and call a data source: only types come from the Horizon client.
    files: ['src/graphql/resolvers/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/horizon/**'],
              allowTypeImports: true,
              message:
                'Resolvers reach upstream through ctx.data (src/graphql/data), never the client itself.',
            },
          ],
        },
      ],
    },
  },
  {
    // Meta's error codes and message wording are known in src/horizon only (and emulated in src/emulator).
    files: ['src/**/*.ts'],
    ignores: ['src/horizon/**', 'src/emulator/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'BinaryExpression[operator=/^[!=]==?$/][right.raw=/^[0-9]+$/][left.property.name=/^(code|subcode)$/]',
          message:
            'Graph error codes belong in src/horizon: use a HorizonApiError property (isNotFound, isForbidden, ...).',
        },
      ],
    },
  },
);
