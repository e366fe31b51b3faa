import { sqliteBackend } from './support/policy-backends.js';
import { policyEventsSuite } from './support/policy-events-suite.js';

describe('policy events on SQLite (built app, private NATS with JetStream)', () => {
  policyEventsSuite(sqliteBackend);
});
