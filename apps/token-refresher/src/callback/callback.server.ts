import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

export const CALLBACK_OPTIONS = Symbol('CALLBACK_OPTIONS');
export interface CallbackOptions {
  port: number;
  host?: string;
}

@Injectable()
export class CallbackServer implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(CALLBACK_OPTIONS) private readonly options: CallbackOptions) {}
  async onApplicationBootstrap(): Promise<void> {}
  async onApplicationShutdown(): Promise<void> {}
}
