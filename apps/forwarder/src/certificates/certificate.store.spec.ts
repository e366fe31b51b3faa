import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { generate } from 'selfsigned';
import { loadOrCreateCertificate } from './certificate.store.js';

const quiet = new Logger('test');
quiet.log = () => undefined;

describe('the forwarder certificate', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'wxgate-cert-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('covers the WeChat Pay hosts, and a certificate issued before they were added is re-issued from the same CA', async () => {
    const first = await loadOrCreateCertificate(dir, quiet);
    expect(new X509Certificate(first.cert).subjectAltName).toContain('DNS:api.mch.weixin.qq.com');
    expect(new X509Certificate(first.cert).subjectAltName).toContain('DNS:api2.mch.weixin.qq.com');

    const old = await generate([{ name: 'commonName', value: 'api.weixin.qq.com' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      ca: { key: readFileSync(path.join(dir, 'ca.key'), 'utf8'), cert: first.ca },
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'api.weixin.qq.com' }] }],
    });
    writeFileSync(path.join(dir, 'server.crt'), old.cert);
    writeFileSync(path.join(dir, 'server.key'), old.private);

    const again = await loadOrCreateCertificate(dir, quiet);
    expect(again.ca).toBe(first.ca);
    expect(again.cert).not.toBe(old.cert);
    expect(new X509Certificate(again.cert).subjectAltName).toContain('DNS:api.mch.weixin.qq.com');
    expect((await loadOrCreateCertificate(dir, quiet)).cert).toBe(again.cert);
  });
});
