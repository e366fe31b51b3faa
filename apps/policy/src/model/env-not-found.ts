import { Reason, WxgateError } from '@wxgate/contracts';

/** The answer of every admin call naming an environment that does not exist (docs/errors.md). */
export function envNotFound(envId: string): WxgateError {
  return new WxgateError(Reason.ENV_NOT_FOUND, `no environment ${envId}`);
}

/** A repository's answer about one environment's rows, where `undefined` means there is no such environment. */
export function ofExistingEnv<T>(envId: string, answer: T | undefined): T {
  if (answer === undefined) throw envNotFound(envId);
  return answer;
}
