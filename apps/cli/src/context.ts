import type { Command } from 'commander';
import { ExitCode, usage } from './exit.js';
import type { Terminal } from './secrets.js';
import { natsConfig, Session, type ConnectionFlags } from './session.js';

export interface GlobalFlags extends ConnectionFlags {
  json?: boolean;
}

/** What every command needs: the NATS session, the output mode and the terminal. */
export class CliContext {
  #session?: Session;

  constructor(
    private readonly program: Command,
    readonly term: Terminal & { stdout: NodeJS.WriteStream },
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get flags(): GlobalFlags {
    return this.program.opts<GlobalFlags>();
  }

  get json(): boolean {
    return this.flags.json === true;
  }

  session(): Session {
    if (!this.#session) {
      const timeout = Number(this.flags.timeout ?? 5000);
      if (!Number.isInteger(timeout) || timeout <= 0) throw usage('--timeout must be a positive number of milliseconds');
      this.#session = new Session(natsConfig(this.flags, this.env), timeout);
    }
    return this.#session;
  }

  /** Human text by default; with `--json` the value as one JSON document on stdout. */
  print(human: string, json: unknown): void {
    this.term.stdout.write(this.json ? `${JSON.stringify(json, null, 2)}\n` : human.endsWith('\n') ? human : `${human}\n`);
  }

  /** A change the service confirmed with `{"ok":true}`. */
  done(what: string, reply: unknown): void {
    this.print(`ok: ${what}`, reply);
  }

  /** Asks for a change and reports it done (`ok: <what>`, or the reply with `--json`). */
  async send(subject: string, payload: object, what: string): Promise<void> {
    this.done(what, await this.session().request<unknown>(subject, payload));
  }

  async close(): Promise<void> {
    await this.#session?.close();
  }

  static readonly exit = ExitCode;
}
