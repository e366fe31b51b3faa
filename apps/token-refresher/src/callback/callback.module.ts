import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { EventPublisher } from '@wxgate/nats';
import { CALLBACK_KEYS, type CallbackKeyStore } from './callback-keys.js';
import { CALLBACK_OPTIONS, CallbackServer, type CallbackOptions } from './callback.server.js';
import { CALLBACK_WINDOW_MS, ReceiveCallback } from './receive-callback.usecase.js';
import { SeenPushes } from './seen-pushes.js';

/** WeChat pushes about one ticket per component every 10 minutes; this leaves room for thousands of components. */
const MAX_SEEN_PUSHES = 50_000;

export interface CallbackModuleOptions {
  /** CALLBACK_PORT (docs/http-behaviour.md). 0 picks a free port (read it from `CallbackServer.port`). */
  port: number;
  /** Modules the key store provider depends on (e.g. the one exporting the credentials repository). */
  imports?: ModuleMetadata['imports'];
  /** Provides CALLBACK_KEYS: a CallbackKeyStore giving a component's token and EncodingAESKeys by AppId. */
  keyStore: Provider;
  /** Listen address; all interfaces when unset. */
  host?: string;
  /** Provides CALLBACK_ROUTES: more routes on the same port (WeChat Pay notifications). */
  routes?: Provider;
  /** Epoch ms; tests only. */
  now?: () => number;
}

/**
 * WeChat's encrypted authorization-event callback (docs/http-behaviour.md) on its own plain HTTP port. It uses
 * the global EventPublisher (NatsModule) to publish `wxgate.events.wechat.<componentAppid>.<InfoType>`.
 */
@Module({})
export class CallbackModule {
  static forRoot(options: CallbackModuleOptions): DynamicModule {
    const serverOptions: CallbackOptions = { port: options.port, host: options.host };
    const now = options.now ?? Date.now;
    return {
      module: CallbackModule,
      imports: options.imports ?? [],
      providers: [
        { provide: CALLBACK_OPTIONS, useValue: serverOptions },
        options.keyStore,
        ...(options.routes ? [options.routes] : []),
        {
          provide: ReceiveCallback,
          inject: [CALLBACK_KEYS, EventPublisher],
          useFactory: (keys: CallbackKeyStore, sink: EventPublisher) =>
            new ReceiveCallback({ keys, sink, now, seen: new SeenPushes(CALLBACK_WINDOW_MS, MAX_SEEN_PUSHES) }),
        },
        CallbackServer,
      ],
      exports: [CallbackServer],
    };
  }
}
