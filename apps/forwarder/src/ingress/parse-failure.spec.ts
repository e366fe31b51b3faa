import { parseFailure } from './parse-failure.js';

describe('parseFailure', () => {
  it.each([
    ['HPE_INVALID_METHOD', 'METHOD_NOT_ALLOWED', 405],
    ['HPE_INVALID_URL', 'BAD_PATH', 400],
    ['HPE_HEADER_OVERFLOW', 'HEADERS_TOO_LARGE', 431],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'REQUEST_TIMEOUT', 408],
    ['HPE_INVALID_VERSION', 'MALFORMED_REQUEST', 400],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 'MALFORMED_REQUEST', 400],
  ])('answers %s with %s', (code, reason, status) => {
    expect(parseFailure(code)).toMatchObject({ reason, status });
  });

  it.each([undefined, 'ECONNRESET', 'ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_TLS_HANDSHAKE_TIMEOUT'])('only closes the socket on %s', (code) => {
    expect(parseFailure(code)).toBeUndefined();
  });
});
