/**
 * Exit codes of `wxgate` (documented in `wxgate --help` and docs/operations.md):
 * 0 done; 1 refused (an error reply, or `check` denied the call); 2 NATS unreachable or no service
 * answered; 64 bad usage (EX_USAGE of sysexits.h).
 */
export const ExitCode = {
  OK: 0,
  REFUSED: 1,
  UNAVAILABLE: 2,
  USAGE: 64,
} as const;

/** Ends the command with `code`; `message` is the one line printed on stderr. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
    /** Printed on stdout with `--json`, so scripts can read the reason without parsing stderr. */
    readonly json?: unknown,
  ) {
    super(message);
    this.name = 'CliExit';
  }
}

export const usage = (message: string) => new CliExit(ExitCode.USAGE, message);
