import { readErrcode } from './response-errcode.js';

describe('readErrcode', () => {
  it.each([
    ['{"errcode":40001,"errmsg":"invalid credential"}', 40001],
    ['{ "errmsg":"ok", "errcode" : 0 }', 0],
    ['{"errcode":-1}', -1],
    ['{"errmsg":"ok"}', undefined],
    ['{"errcode":"x"}', undefined],
  ])('reads %s', (body, errcode) => {
    expect(readErrcode(Buffer.from(body))).toBe(errcode);
  });
});
