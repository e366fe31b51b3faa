export * from './api-client.js';
export * from './errcodes.js';
export * from './msg-crypto.js';
export * from './token-paths.js';
export * from './xml.js';
