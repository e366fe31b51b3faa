export * from './admin.controller.js';
export * from './bootstrap.js';
export * from './config.js';
export * from './format.js';
export * from './logger.js';
export * from './metrics.js';
export * from './platform.module.js';
export * from './readiness.js';
