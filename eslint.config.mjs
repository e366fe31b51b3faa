import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // One direction of dependency: no module may reach itself again through its imports.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ...importX.flatConfigs.typescript,
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })] },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // token-refresher: edges (NATS controllers, the JetStream consumer, the callback server and its
    // routes) → use cases (*.usecase.ts) → the keeper and its collaborators → adapters, persistence,
    // secrets. See docs/architecture.md "token-refresher".
    files: ['apps/token-refresher/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: 'apps/token-refresher/src/{adapters,persistence,secrets}/**/!(*.spec).ts',
              from: 'apps/token-refresher/src/{tokens,authorizations,credentials,tickets,pay,callback,testing}/**',
              message: 'adapters, persistence and secrets never import use cases, edges or the keeper.',
            },
            {
              target: 'apps/token-refresher/src/**/!(*.spec|*.module).ts',
              from: 'apps/token-refresher/src/**/*.{controller,consumer,server,route}.ts',
              message: 'only a module wires an edge; nothing else imports one.',
            },
            {
              target: 'apps/token-refresher/src/**/*.controller.ts',
              from: 'apps/token-refresher/src/{adapters,persistence,secrets}/**',
              message: 'a controller validates its input and calls a use case.',
            },
            {
              target: 'apps/token-refresher/src/tokens/!(*.usecase|*.controller|*.spec|*.module|proactive-refresher).ts',
              from: 'apps/token-refresher/src/**/*.usecase.ts',
              message: 'the keeper and its collaborators never call back into a use case.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
