import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { generate } from 'selfsigned';
import { WECHATPAY_API_HOSTS } from '@wxgate/wechatpay';
import { WECHAT_API_HOSTS } from '../wechat-hosts.js';

export interface ServerCertificate {
  /** PEM of the server key and certificate, plus the CA for the chain. */
  key: string;
  cert: string;
  ca: string;
}

/** docs/http-behaviour.md: the CA callers trust; the rest sits beside it. */
export const CA_CERT_FILE = 'certificate.crt';
const CA_KEY_FILE = 'ca.key';
const SERVER_CERT_FILE = 'server.crt';
const SERVER_KEY_FILE = 'server.key';

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_MS = 10 * 365 * DAY_MS;
const SERVER_LIFETIME_MS = 825 * DAY_MS;
/** A server certificate this close to its end is reissued from the same CA at start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;

const SERVER_NAMES = [...WECHAT_API_HOSTS, ...WECHATPAY_API_HOSTS, 'localhost'];
const SERVER_IPS = ['127.0.0.1'];

/**
 * wxgate's own TLS identity for callers who reach it by a WeChat host name or through CONNECT: a
 * local CA (written to `CERT_DIR/certificate.crt` for callers to trust) and a server certificate
 * it signs for the WeChat API hosts plus localhost and 127.0.0.1. Created on first start, reused
 * afterwards; keys are written with mode 0600.
 */
export async function loadOrCreateCertificate(certDir: string, logger = new Logger('Certificates')): Promise<ServerCertificate> {
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(certDir, name);

  let caCert: string;
  let caKey: string;
  if (existsSync(file(CA_CERT_FILE)) && existsSync(file(CA_KEY_FILE))) {
    caCert = readFileSync(file(CA_CERT_FILE), 'utf8');
    caKey = readFileSync(file(CA_KEY_FILE), 'utf8');
  } else {
    const now = new Date();
    const ca = await generate([{ name: 'commonName', value: 'wxgate local CA' }, { name: 'organizationName', value: 'wxgate' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      notBeforeDate: new Date(now.getTime() - DAY_MS),
      notAfterDate: new Date(now.getTime() + CA_LIFETIME_MS),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    caCert = ca.cert;
    caKey = ca.private;
    writeAtomically(file(CA_KEY_FILE), caKey, 0o600);
    writeAtomically(file(CA_CERT_FILE), caCert, 0o644);
    logger.log(`created a CA for wxgate's HTTPS in ${file(CA_CERT_FILE)}`);
  }

  if (existsSync(file(SERVER_CERT_FILE)) && existsSync(file(SERVER_KEY_FILE))) {
    const cert = readFileSync(file(SERVER_CERT_FILE), 'utf8');
    if (stillGood(cert, caCert)) return { key: readFileSync(file(SERVER_KEY_FILE), 'utf8'), cert, ca: caCert };
  }
  const now = new Date();
  const server = await generate([{ name: 'commonName', value: WECHAT_API_HOSTS[0]! }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + SERVER_LIFETIME_MS),
    ca: { key: caKey, cert: caCert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...SERVER_NAMES.map((value) => ({ type: 2 as const, value })), ...SERVER_IPS.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  writeAtomically(file(SERVER_KEY_FILE), server.private, 0o600);
  writeAtomically(file(SERVER_CERT_FILE), server.cert, 0o644);
  logger.log(`issued wxgate's server certificate for ${[...SERVER_NAMES, ...SERVER_IPS].join(', ')}`);
  return { key: server.private, cert: server.cert, ca: caCert };
}

function stillGood(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    // A certificate from before a host was added (the WeChat Pay hosts) is re-issued.
    const names = new Set((cert.subjectAltName ?? '').split(', '));
    const coversAll = SERVER_NAMES.every((name) => names.has(`DNS:${name}`));
    return coversAll && cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}

/** Replicas sharing CERT_DIR never see a half-written file. */
function writeAtomically(target: string, content: string, mode: number): void {
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, target);
}
