import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { CALLBACK_OPTIONS, CallbackServer, type CallbackOptions } from './callback.server.js';

export interface CallbackModuleOptions {
  /** CALLBACK_PORT (SPEC §4). 0 picks a free port (tests read `CallbackServer.port`). */
  port: number;
  /** Modules the key store provider needs (e.g. the credentials module that exports its repository). */
  imports?: ModuleMetadata['imports'];
  /** Provides CALLBACK_KEYS: the component's token and EncodingAESKeys, looked up by AppId. */
  keyStore: Provider;
  host?: string;
}

/**
 * WeChat's encrypted authorization-event callback (SPEC §4) on its own plain HTTP port: it faces
 * the internet, so it shares nothing with the admin port or the NATS transport.
 */
@Module({})
export class CallbackModule {
  static forRoot(options: CallbackModuleOptions): DynamicModule {
    const serverOptions: CallbackOptions = { port: options.port, host: options.host };
    return {
      module: CallbackModule,
      imports: options.imports ?? [],
      providers: [{ provide: CALLBACK_OPTIONS, useValue: serverOptions }, options.keyStore, CallbackServer],
      exports: [CallbackServer],
    };
  }
}
