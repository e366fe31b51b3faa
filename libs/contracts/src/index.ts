export * from './credentials.js';
export * from './errors.js';
export * from './reasons.js';
export * from './relay-paths.js';
export * from './replies.js';
export * from './schemas.js';
export * from './subjects.js';
export * from './validate.js';
