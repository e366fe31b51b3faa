import { describeOn, postgresBackend } from './support/policy-backends.js';
import { policyEventsSuite } from './support/policy-events-suite.js';

describeOn('PostgreSQL')('policy events on PostgreSQL (built app, private NATS with JetStream)', () => {
  policyEventsSuite(postgresBackend);
});
