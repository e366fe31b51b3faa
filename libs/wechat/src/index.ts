export * from './msg-crypto.js';
