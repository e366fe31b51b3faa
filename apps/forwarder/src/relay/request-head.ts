import type { IncomingMessage } from 'node:http';
import { Reason } from '@wxgate/contracts';

export interface HeadProblem {
  reason: typeof Reason.MALFORMED_REQUEST | typeof Reason.HEADERS_TOO_LARGE | typeof Reason.EXPECTATION_FAILED;
  message: string;
}

const CONTINUE = /^\s*100-continue\s*$/i;

/**
 * What Node's parser lets through but wxgate will not relay: an HTTP/1.1 head without `Host`,
 * more header lines than `maxHeaders`, an `Expect` wxgate cannot meet. Checked before step 1 so
 * each gets wxgate's JSON answer rather than Node's bare one.
 */
export function headProblem(req: IncomingMessage, maxHeaders: number): HeadProblem | undefined {
  if (req.rawHeaders.length / 2 > maxHeaders) return { reason: Reason.HEADERS_TOO_LARGE, message: `more than ${maxHeaders} header lines` };
  if (req.httpVersion === '1.1' && req.headers.host === undefined) return { reason: Reason.MALFORMED_REQUEST, message: 'an HTTP/1.1 request needs a Host header' };
  const expect = req.headers.expect;
  if (expect !== undefined && !CONTINUE.test(expect)) return { reason: Reason.EXPECTATION_FAILED, message: 'only Expect: 100-continue is understood' };
  return undefined;
}
