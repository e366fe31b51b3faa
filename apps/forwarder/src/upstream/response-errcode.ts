/** JSON answers up to this size are read before relaying, to see WeChat's errcode (step 10). */
export const INSPECT_LIMIT = 64 * 1024;

const ERRCODE = Buffer.from('"errcode"');

/**
 * WeChat's `errcode` in a JSON body without parsing it: the number after the first `"errcode":`.
 * `undefined` when there is none (a success without errcode, or not WeChat's shape).
 */
export function readErrcode(body: Buffer): number | undefined {
  let at = body.indexOf(ERRCODE);
  if (at === -1) return undefined;
  at += ERRCODE.length;
  while (at < body.length && (body[at] === 0x20 || body[at] === 0x09 || body[at] === 0x0a || body[at] === 0x0d)) at++;
  if (body[at] !== 0x3a /* : */) return undefined;
  at++;
  while (at < body.length && (body[at] === 0x20 || body[at] === 0x09 || body[at] === 0x0a || body[at] === 0x0d)) at++;
  let sign = 1;
  if (body[at] === 0x2d /* - */) {
    sign = -1;
    at++;
  }
  let value = 0;
  let digits = 0;
  while (at < body.length && body[at]! >= 0x30 && body[at]! <= 0x39 && digits < 10) {
    value = value * 10 + (body[at]! - 0x30);
    at++;
    digits++;
  }
  return digits === 0 ? undefined : sign * value;
}
