import type { IncomingMessage, ServerResponse } from 'node:http';

/** More HTTP routes on the callback port (WeChat Pay notifications), each owning the paths under its prefix. */
export const CALLBACK_ROUTES = Symbol('CALLBACK_ROUTES');

export interface CallbackRoute {
  readonly prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}
