import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

/**
 * Field names that may carry a secret (docs/nats-interface.md "Secrets"). Any field with one of these names, at
 * any of the first four levels of a log object, is replaced by "[redacted]".
 */
export const SECRET_FIELD_NAMES = [
  'token', 'accessToken', 'access_token', 'componentAccessToken', 'component_access_token',
  'authorizerAccessToken', 'authorizer_access_token', 'refreshToken', 'refresh_token',
  'authorizerRefreshToken', 'authorizer_refresh_token', 'secret', 'appsecret', 'appSecret',
  'componentAppsecret', 'component_appsecret', 'componentSecret', 'component_secret',
  'encodingAesKey', 'encoding_aes_key', 'key', 'masterKey', 'ticket', 'componentVerifyTicket',
  'component_verify_ticket', 'ComponentVerifyTicket', 'AuthorizationCode', 'authorizationCode',
  'authorization_code', 'password', 'pass', 'authorization', 'cookie', 'Encrypt',
];

export function redactPaths(names = SECRET_FIELD_NAMES, depth = 4): string[] {
  const paths: string[] = [];
  for (const name of names) {
    for (let level = 0; level < depth; level++) paths.push(`${'*.'.repeat(level)}${name}`);
  }
  return paths;
}

export function createLogger(app: string, level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app, pid: process.pid },
      redact: { paths: redactPaths(), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination as never,
  );
}

/** Nest's logger interface over pino, so framework and app logs share one JSON stream. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, stackOrContext?: string, context?: string) {
    const ctx = context ?? (stackOrContext && !stackOrContext.includes('\n') ? stackOrContext : undefined);
    const stack = stackOrContext?.includes('\n') ? stackOrContext : undefined;
    this.write('error', message, ctx, stack ? { stack } : undefined);
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }
  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string, extra?: object) {
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...extra, ...message });
    else this.logger[level]({ context, ...extra }, String(message));
  }
}

/**
 * Where an unexpected error was thrown, without what it says: a stack's first line is
 * `Name: message`, and a message may hold a secret (a driver quoting a value, a URL with a token).
 */
export function framesOf(exception: unknown): string | undefined {
  if (!(exception instanceof Error) || typeof exception.stack !== 'string') return undefined;
  const firstFrame = exception.stack.indexOf('\n    at ');
  return firstFrame === -1 ? exception.name : `${exception.name}${exception.stack.slice(firstFrame)}`;
}
