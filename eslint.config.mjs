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
    // forwarder: ingress/ → relay/ → upstream/, and relay/ reaches the control plane through
    // control-plane/control-plane.ts only (docs/architecture.md).
    files: ['apps/forwarder/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './apps/forwarder/src/upstream', from: ['./apps/forwarder/src/relay', './apps/forwarder/src/ingress'], message: 'upstream/ is below relay/ and ingress/' },
            { target: './apps/forwarder/src/relay', from: './apps/forwarder/src/ingress', message: 'relay/ is below ingress/' },
            {
              target: './apps/forwarder/src/relay',
              from: './apps/forwarder/src/control-plane',
              except: ['./control-plane.ts'],
              message: 'relay/ reaches the control plane through control-plane/control-plane.ts',
            },
            { target: './apps/forwarder/src/control-plane', from: ['./apps/forwarder/src/relay', './apps/forwarder/src/ingress', './apps/forwarder/src/upstream'], message: 'the control plane does not call the relay' },
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
