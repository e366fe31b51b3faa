export * from './answer-signature.js';
export * from './authorization.js';
export * from './errors.js';
export * from './hosts.js';
export * from './jsapi.js';
export * from './keys.js';
export * from './resource-crypto.js';
export * from './signature.js';
