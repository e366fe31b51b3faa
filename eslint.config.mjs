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
    // policy: one direction of dependency (docs/architecture.md "Code layout and naming"): edges (the
    // NATS controllers, the authorizer-events consumer) → use cases (*.usecase.ts) → repositories,
    // entities, the in-memory model, the database; never back, and no edge reaches past its use case.
    files: ['apps/policy/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: ['apps/policy/src/**/*.usecase.ts', 'apps/policy/src/**/*.repository.ts', 'apps/policy/src/**/*.entity.ts', 'apps/policy/src/{model,database,revision}/**', 'apps/policy/src/check/decide-policy.ts'],
              from: ['apps/policy/src/**/*.controller.ts', 'apps/policy/src/**/*.consumer.ts'],
              message: 'policy: only Nest modules wire the edges (controllers, consumers); nothing below them imports one.',
            },
            {
              target: ['apps/policy/src/**/*.repository.ts', 'apps/policy/src/**/*.entity.ts', 'apps/policy/src/{model,database,revision}/**', 'apps/policy/src/check/decide-policy.ts'],
              from: ['apps/policy/src/**/*.usecase.ts'],
              message: 'policy: repositories, entities, the model and the database never call back into a use case.',
            },
            {
              target: ['apps/policy/src/**/*.controller.ts', 'apps/policy/src/**/*.consumer.ts'],
              from: ['apps/policy/src/**/*.repository.ts', 'apps/policy/src/**/*.entity.ts', 'apps/policy/src/database/**'],
              message: 'policy: an edge calls a use case, which talks to the repositories.',
            },
            { target: 'apps/policy/src/**', from: 'apps/!(policy)/**', message: 'apps talk over NATS only; shared code lives in libs/.' },
          ],
        },
      ],
    },
  },
  {
    // wechat-sandbox, console, cli: the same one-way rule (docs/architecture.md "Code layout and naming").
    files: ['apps/wechat-sandbox/src/**/*.ts', 'apps/console/src/**/*.ts', 'apps/cli/src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              // The sandbox's state (accounts, tokens, tickets, authorizations, pay, faults, the call log) knows no HTTP.
              target: [
                'apps/wechat-sandbox/src/sandbox-state.ts',
                'apps/wechat-sandbox/src/knobs.ts',
                'apps/wechat-sandbox/src/**/*-store.ts',
                'apps/wechat-sandbox/src/accounts/**',
                'apps/wechat-sandbox/src/tickets/**',
                'apps/wechat-sandbox/src/tokens/quota-counter.ts',
                'apps/wechat-sandbox/src/tokens/stable-tokens.ts',
                'apps/wechat-sandbox/src/admin/call-log.ts',
                'apps/wechat-sandbox/src/authorizations/authorization-simulator.ts',
                'apps/wechat-sandbox/src/pay/!(pay-endpoints).ts',
              ],
              from: ['apps/wechat-sandbox/src/{sandbox,main}.ts', 'apps/wechat-sandbox/src/http/**', 'apps/wechat-sandbox/src/**/*-endpoints.ts', 'apps/wechat-sandbox/src/{admin/admin-api,faults/apply-faults}.ts'],
              message: 'wechat-sandbox: endpoints use the state; the state never reaches the HTTP side.',
            },
            {
              target: ['apps/console/src/admin/**', 'apps/console/src/traffic/**'],
              from: ['apps/console/src/web/**', 'apps/console/src/security/**'],
              message: 'console: pages and middleware call the admin use cases; those never import a page.',
            },
            {
              target: ['apps/cli/src/context.ts', 'apps/cli/src/session.ts', 'apps/cli/src/format.ts', 'apps/cli/src/secrets.ts', 'apps/cli/src/exit.ts'],
              from: ['apps/cli/src/{program,main}.ts', 'apps/cli/src/commands/**'],
              message: 'cli: commands use the session and the formatting, never the other way.',
            },
            { target: 'apps/wechat-sandbox/src/**', from: 'apps/!(wechat-sandbox)/**', message: 'apps never import each other; shared code lives in libs/.' },
            { target: 'apps/console/src/**', from: 'apps/!(console)/**', message: 'apps never import each other; shared code lives in libs/.' },
            { target: 'apps/cli/src/**', from: 'apps/!(cli)/**', message: 'apps never import each other; shared code lives in libs/.' },
          ],
        },
      ],
    },
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
