export * from './data-source.js';
export * from './database-url.js';
export * from './database.module.js';
export * from './epoch-ms-transformer.js';
