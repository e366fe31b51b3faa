/** A WeChat Pay error answer: `{"code","message"}` with its HTTP status. */
export class PayFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
