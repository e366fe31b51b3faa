import { z } from 'zod';

const appid = z.string().min(1);

export const componentSchema = z.strictObject({
  appid,
  secret: z.string().min(1),
  token: z.string().min(1),
  encodingAesKey: z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'must be 43 base64 characters'),
  callbackUrl: z.url().optional(),
  ticketIntervalS: z.number().positive().optional(),
});

export const appSchema = z.strictObject({ appid, secret: z.string().min(1) });

export const seedSchema = z.strictObject({
  components: z.array(componentSchema).optional(),
  apps: z.array(appSchema).optional(),
  authorizations: z
    .array(
      z.strictObject({
        componentAppid: appid,
        authorizerAppid: appid,
        funcScopes: z.array(z.number().int()).optional(),
        refreshToken: z.string().min(1).optional(),
      }),
    )
    .optional(),
});

export const pushTicketSchema = z.strictObject({ componentAppid: appid });

export const authorizeSchema = z.strictObject({
  componentAppid: appid,
  authorizerAppid: appid,
  funcScopes: z.array(z.number().int()).optional(),
  preAuthCode: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  notify: z.boolean().optional(),
  invalidateToken: z.boolean().optional(),
});

export const unauthorizeSchema = z.strictObject({ componentAppid: appid, authorizerAppid: appid, notify: z.boolean().optional() });

/** A token by value, or the current token of a credential (`stable: true` for stable_token's). */
export const tokenTargetSchema = z.union([
  z.strictObject({ token: z.string().min(1) }),
  z.strictObject({
    kind: z.enum(['component', 'authorizer', 'app']),
    appid,
    componentAppid: appid.optional(),
    stable: z.boolean().optional(),
  }),
]);
