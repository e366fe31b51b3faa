/**
 * The WeChat Pay calls wxgate makes on its own behalf (today: `GET /v3/certificates`), over one
 * keep-alive undici Agent with failover to the backup host when the main one cannot be connected to.
 * Errors name the path and a cause code, never a body or a key.
 */
import { Agent } from 'undici';
// The platform's file, not its index (which loads NestJS): this lib stays plain.
import { BodyTooLarge, ClientGone, readCapped } from '../../platform/src/capped-body.js';
import { verifyAnswerSignature, signatureHeadersFrom, type KeyLookup } from './answer-signature.js';
import { buildAuthorization, type MerchantSigner } from './authorization.js';
import { parsePlatformCertificate } from './keys.js';
import { decryptResource, isEncryptedResource } from './resource-crypto.js';
import type { KeyObject } from 'node:crypto';

export class WechatPayApiError extends Error {
  constructor(
    readonly path: string,
    readonly causeCode: string,
    readonly status?: number,
  ) {
    super(`WeChat Pay ${path} failed: ${causeCode}${status !== undefined ? ` (HTTP ${status})` : ''}`);
    this.name = 'WechatPayApiError';
  }
}

/** Failures before a request could be sent: worth trying the backup host. */
export const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

export function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && typeof cur === 'object' && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return e instanceof Error && e.name === 'TimeoutError' ? 'TIMEOUT' : undefined;
}

export interface DownloadedCertificate {
  serialNo: string;
  pem: string;
  publicKey: KeyObject;
  effectiveAt: number;
  expiresAt: number;
}

export interface WechatPayApiClientOptions {
  baseUrl: string;
  backupUrl?: string;
  timeoutMs: number;
}

const MAX_ANSWER_BYTES = 1024 * 1024;

export class WechatPayApiClient {
  readonly #origins: string[];
  readonly #timeoutMs: number;
  readonly #agent: Agent;

  constructor(opts: WechatPayApiClientOptions) {
    this.#origins = [opts.baseUrl, ...(opts.backupUrl ? [opts.backupUrl] : [])].map((u) => u.replace(/\/+$/, ''));
    this.#timeoutMs = opts.timeoutMs;
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: { timeout: Math.max(1, Math.min(5_000, Math.floor(opts.timeoutMs / 2))) },
    });
  }

  /**
   * Downloads the platform certificates, decrypts them with the APIv3 key and verifies the answer
   * with one of them (what the official SDKs do: the answer is signed by a listed certificate).
   */
  async downloadCertificates(signer: MerchantSigner, apiV3Key: string, nowMs = Date.now()): Promise<DownloadedCertificate[]> {
    const path = '/v3/certificates';
    const answer = await this.#get(path, signer);
    if (answer.status !== 200) throw new WechatPayApiError(path, 'HTTP_ERROR', answer.status);
    let data: unknown;
    try {
      data = (JSON.parse(answer.body.toString('utf8')) as { data?: unknown }).data;
    } catch {
      throw new WechatPayApiError(path, 'BAD_RESPONSE');
    }
    if (!Array.isArray(data) || data.length === 0) throw new WechatPayApiError(path, 'BAD_RESPONSE');
    const certificates = data.map((item: { encrypt_certificate?: unknown }) => {
      if (!isEncryptedResource(item?.encrypt_certificate)) throw new WechatPayApiError(path, 'BAD_RESPONSE');
      const pem = decryptResource(apiV3Key, item.encrypt_certificate);
      const parsed = parsePlatformCertificate(pem);
      return { ...parsed, pem };
    });
    const lookup: KeyLookup = (serial) => certificates.find((c) => c.serialNo === serial)?.publicKey;
    const verdict = verifyAnswerSignature(signatureHeadersFrom(answer.headers), answer.body, lookup, nowMs);
    if (!verdict.ok) throw new WechatPayApiError(path, `SIGNATURE_${verdict.failure}`);
    return certificates;
  }

  close(): Promise<void> {
    return this.#agent.close();
  }

  async #get(path: string, signer: MerchantSigner): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    let lastCode = 'UNREACHABLE';
    for (const origin of this.#origins) {
      const url = new URL(origin);
      const fullPath = `${url.pathname.replace(/\/$/, '')}${path}`;
      const authorization = buildAuthorization(signer, { method: 'GET', url: path, body: '' });
      let res;
      try {
        res = await this.#agent.request({
          origin: url.origin,
          path: fullPath,
          method: 'GET',
          headers: { authorization, accept: 'application/json', 'user-agent': 'wxgate' },
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (e) {
        const code = errorCode(e) ?? 'UNKNOWN';
        if (CONNECT_ERROR_CODES.has(code)) {
          lastCode = code;
          continue;
        }
        throw new WechatPayApiError(path, code === 'UND_ERR_HEADERS_TIMEOUT' ? 'TIMEOUT' : code);
      }
      try {
        return { status: res.statusCode, headers: res.headers, body: await readCapped(res.body, MAX_ANSWER_BYTES) };
      } catch (e) {
        // Drop what is left; destroying an undici body reports an abort nobody needs to hear.
        res.body.on('error', () => undefined).destroy();
        if (e instanceof BodyTooLarge) throw new WechatPayApiError(path, 'RESPONSE_TOO_LARGE');
        throw e instanceof ClientGone && e.cause !== undefined ? e.cause : e;
      }
    }
    throw new WechatPayApiError(path, lastCode);
  }
}
