import { util, type Dispatcher } from 'undici';
import { Deadlines } from './deadlines.js';
import { ResponseTooLargeError, UpstreamExchange, UpstreamTimeoutError, type AnswerSink } from './upstream-exchange.js';

/** undici's controller as the exchange sees it: pause/resume counted, abort ends the request with onResponseError. */
class FakeController implements Dispatcher.DispatchController {
  paused = false;
  resumed = 0;
  aborted = false;
  reason: Error | null = null;
  constructor(private readonly onAbort: (err: Error) => void) {}
  pause() {
    this.paused = true;
  }
  resume() {
    if (this.paused) this.resumed++;
    this.paused = false;
  }
  abort(err: Error) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = err;
    this.onAbort(err);
  }
}

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

/** Response headers as undici hands them to onResponseStart (parsed from the raw lines, as its own wrapper does). */
const headers = (...pairs: string[]) => util.parseHeaders(pairs.map((p) => Buffer.from(p, 'latin1')));

function exchange(maxBody = 1024, timeoutMs = 1000) {
  const res = new FakeSink();
  const ex = new UpstreamExchange(res, { maxBody, bufferAll: false }, new Deadlines(timeoutMs), () => undefined);
  const controller: FakeController = new FakeController((err) => ex.onResponseError(controller, err));
  ex.onRequestStart(controller);
  const start = (status: number, ...pairs: string[]) => ex.onResponseStart(controller, status, headers(...pairs));
  const data = (chunk: Buffer) => ex.onResponseData(controller, chunk);
  const end = () => ex.onResponseEnd(controller, {});
  return { res, ex, controller, start, data, end, aborted: () => controller.reason ?? undefined };
}

describe('UpstreamExchange', () => {
  it('buffers a small JSON answer with its errcode and hop-by-hop headers removed', async () => {
    const { ex, res, start, data, end } = exchange();
    start(200, 'Content-Type', 'application/json', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 'timeout=5', 'Transfer-Encoding', 'chunked', 'Set-Cookie', 'a', 'Set-Cookie', 'b', 'x-openapi-seqid', 'theirs');
    data(Buffer.from('{"errcode":40001,'));
    data(Buffer.from('"errmsg":"invalid credential"}'));
    end();
    const answer = await ex.answer;
    expect(answer).toMatchObject({ kind: 'buffered', statusCode: 200, errcode: 40001 });
    expect(answer.kind === 'buffered' && answer.headers).toEqual(['content-type', 'application/json', 'set-cookie', 'a', 'set-cookie', 'b', 'content-length', '47']);
    expect(res.head).toBeUndefined();
  });

  it('streams anything else to the caller as it arrives, pausing on backpressure', async () => {
    const { ex, res, controller, start, data, end } = exchange();
    start(200, 'Content-Type', 'image/jpeg', 'Content-Length', '6');
    expect(await ex.answer).toEqual({ kind: 'streamed', statusCode: 200 });
    expect(res.head).toEqual({ status: 200, headers: ['content-type', 'image/jpeg', 'content-length', '6'] });
    res.full = true;
    data(Buffer.from('abc'));
    expect(controller.paused).toBe(true);
    res.drain();
    expect(controller.resumed).toBe(1);
    expect(controller.paused).toBe(false);
    res.full = false;
    data(Buffer.from('def'));
    expect(controller.paused).toBe(false);
    end();
    expect(Buffer.concat(res.written).toString()).toBe('abcdef');
    expect(res.ended).toBe(true);
  });

  it('refuses a declared length over the limit and cuts a chunked answer that grows past it', async () => {
    const declared = exchange(10);
    declared.start(200, 'Content-Length', '11');
    await expect(declared.ex.answer).rejects.toBeInstanceOf(ResponseTooLargeError);
    const chunked = exchange(10);
    chunked.start(200, 'Content-Type', 'application/octet-stream');
    await chunked.ex.answer;
    chunked.data(Buffer.alloc(8));
    expect(chunked.aborted()).toBeUndefined();
    chunked.data(Buffer.alloc(8));
    expect(chunked.aborted()).toBeInstanceOf(ResponseTooLargeError);
    expect(chunked.res.tooLargeSeen).toBe(true);
    expect(chunked.res.destroyed).toBe(true);
  });

  it('gives up with UpstreamTimeoutError when no answer comes in time', async () => {
    const { ex } = exchange(1024, 20);
    await expect(ex.answer).rejects.toBeInstanceOf(UpstreamTimeoutError);
  });

  it('aborts through the controller once undici starts the request, when it was aborted before', async () => {
    const res = new FakeSink();
    const ex = new UpstreamExchange(res, { maxBody: 1024, bufferAll: false }, new Deadlines(1000), () => undefined);
    ex.abort(new Error('the caller closed the connection'));
    const controller: FakeController = new FakeController((err) => ex.onResponseError(controller, err));
    ex.onRequestStart(controller);
    expect(controller.aborted).toBe(true);
    await expect(ex.answer).rejects.toThrow('the caller closed the connection');
  });

  it('rejects, without answering, when Node refuses one of the headers', async () => {
    const { ex, res, start, controller } = exchange();
    res.start = () => {
      throw Object.assign(new Error('Invalid character in header content'), { code: 'ERR_INVALID_CHAR' });
    };
    start(200, 'Content-Type', 'image/png');
    await expect(ex.answer).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(controller.aborted).toBe(true);
  });
});
