import { z } from 'zod';

export const payMerchantSchema = z.strictObject({
  mchid: z.string().regex(/^\d{1,32}$/, 'must be digits'),
  serialNo: z.string().min(1),
  publicKey: z.string().includes('-----BEGIN'),
  apiV3Key: z.string().length(32),
  mode: z.enum(['publicKey', 'certificate']).optional(),
});

export const payTransactionSchema = z.strictObject({
  mchid: z.string().min(1),
  outTradeNo: z.string().min(1),
  openid: z.string().min(1).optional(),
});

export const payProbeSchema = z.strictObject({ mchid: z.string().min(1), url: z.url() });

export const payRotateSchema = z.strictObject({ activate: z.boolean().optional() });
export const payRetireSchema = z.strictObject({ serialNo: z.string().min(1) });
export const payFaultSchema = z.strictObject({
  kind: z.enum(['unsigned', 'forged', 'signtest', 'unknown-serial']),
  count: z.number().int().nonnegative().default(1),
});
