import { ResponseTooLargeError, UpstreamExchange, UpstreamTimeoutError, type AnswerSink } from './upstream-exchange.js';

/** Records what the exchange hands to the caller's side. */
class FakeSink implements AnswerSink {
  head?: { status: number; headers: string[] };
  written: Buffer[] = [];
  ended = false;
  destroyed = false;
  tooLargeSeen = false;
  full = false;
  congested = false;
  private resume?: () => void;
  get gone() {
    return this.destroyed;
  }
  start(status: number, headers: string[]) {
    this.head = { status, headers };
  }
  write(chunk: Buffer) {
    this.written.push(chunk);
    return !this.full;
  }
  whenDrained(resume: () => void) {
    this.resume = resume;
  }
  drain() {
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }
  end() {
    this.ended = true;
  }
  tooLarge() {
    this.tooLargeSeen = true;
  }
  cut() {
    this.destroyed = true;
  }
}

const raw = (...pairs: string[]) => pairs.map((p) => Buffer.from(p, 'latin1'));

function exchange(maxBody = 1024, timeoutMs = 1000) {
  const res = new FakeSink();
  const ex = new UpstreamExchange(res, { maxBody, bufferAll: false }, timeoutMs, () => undefined);
  let aborted: Error | undefined;
  ex.onConnect((err) => {
    aborted = err;
    ex.onError(err ?? new Error('aborted'));
  });
  return { res, ex, aborted: () => aborted };
}

describe('UpstreamExchange', () => {
  it('buffers a small JSON answer with its errcode and hop-by-hop headers removed', async () => {
    const { ex, res } = exchange();
    ex.onHeaders(200, raw('Content-Type', 'application/json', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a', 'Set-Cookie', 'b', 'x-openapi-seqid', 'theirs'), () => undefined);
    ex.onData(Buffer.from('{"errcode":40001,'));
    ex.onData(Buffer.from('"errmsg":"invalid credential"}'));
    ex.onComplete();
    const answer = await ex.answer;
    expect(answer).toMatchObject({ kind: 'buffered', statusCode: 200, errcode: 40001 });
    expect(answer.kind === 'buffered' && answer.headers).toEqual(['content-type', 'application/json', 'set-cookie', 'a', 'set-cookie', 'b', 'content-length', '47']);
    expect(res.head).toBeUndefined();
  });

  it('streams anything else to the caller as it arrives, pausing on backpressure', async () => {
    const { ex, res } = exchange();
    let resumed = 0;
    ex.onHeaders(200, raw('Content-Type', 'image/jpeg', 'Content-Length', '6'), () => resumed++);
    expect(await ex.answer).toEqual({ kind: 'streamed', statusCode: 200 });
    expect(res.head).toEqual({ status: 200, headers: ['content-type', 'image/jpeg', 'content-length', '6'] });
    res.full = true;
    expect(ex.onData(Buffer.from('abc'))).toBe(false);
    res.drain();
    expect(resumed).toBe(1);
    res.full = false;
    expect(ex.onData(Buffer.from('def'))).toBe(true);
    ex.onComplete();
    expect(Buffer.concat(res.written).toString()).toBe('abcdef');
    expect(res.ended).toBe(true);
  });

  it('refuses a declared length over the limit and cuts a chunked answer that grows past it', async () => {
    const declared = exchange(10);
    declared.ex.onHeaders(200, raw('Content-Length', '11'), () => undefined);
    await expect(declared.ex.answer).rejects.toBeInstanceOf(ResponseTooLargeError);
    const chunked = exchange(10);
    chunked.ex.onHeaders(200, raw('Content-Type', 'application/octet-stream'), () => undefined);
    await chunked.ex.answer;
    chunked.ex.onData(Buffer.alloc(8));
    expect(chunked.ex.onData(Buffer.alloc(8))).toBe(false);
    expect(chunked.aborted()).toBeInstanceOf(ResponseTooLargeError);
    expect(chunked.res.tooLargeSeen).toBe(true);
    expect(chunked.res.destroyed).toBe(true);
  });

  it('gives up with UpstreamTimeoutError when no answer comes in time', async () => {
    const { ex } = exchange(1024, 20);
    await expect(ex.answer).rejects.toBeInstanceOf(UpstreamTimeoutError);
  });

  it('rejects, without answering, when Node refuses one of the headers', async () => {
    const { ex, res } = exchange();
    res.start = () => {
      throw Object.assign(new Error('Invalid character in header content'), { code: 'ERR_INVALID_CHAR' });
    };
    ex.onHeaders(200, raw('Content-Type', 'image/png'), () => undefined);
    await expect(ex.answer).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
  });
});
