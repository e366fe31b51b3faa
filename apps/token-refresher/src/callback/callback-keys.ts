export const CALLBACK_KEYS = Symbol('CALLBACK_KEYS');
export interface CallbackKeys { token: string; encodingAesKeys: string[] /* current first, then previous (WeChat key rotation) */ }
export interface CallbackKeyStore { keysFor(componentAppid: string): Promise<CallbackKeys | undefined> }
