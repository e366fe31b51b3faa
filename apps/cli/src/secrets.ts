// The lib's file, not its index (which loads NestJS): the CLI starts fast.
import { BodyTooLarge, readCapped } from '../../../libs/platform/src/capped-body.js';
import { usage } from './exit.js';

export interface SecretSpec {
  /** The flag that gives it (`--secret`), for messages. */
  flag: string;
  /** Prompt label (`component secret`). */
  label: string;
  value?: string;
}

export interface Terminal {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/**
 * Secrets not given as flags come from a no-echo prompt on a terminal, or, when stdin is a pipe,
 * from stdin one per line in the order of `specs` — so they never land in shell history.
 */
export async function resolveSecrets(specs: SecretSpec[], term: Terminal): Promise<string[]> {
  const missing = specs.filter((s) => s.value === undefined);
  if (missing.length === 0) return specs.map((s) => s.value!);
  const values = new Map<SecretSpec, string>();
  if (term.stdin.isTTY) {
    for (const spec of missing) values.set(spec, await promptHidden(`${spec.label}: `, term));
  } else {
    const lines = (await readAll(term.stdin)).split('\n').map((l) => l.replace(/\r$/, ''));
    missing.forEach((spec, i) => values.set(spec, lines[i] ?? ''));
  }
  return specs.map((spec) => {
    const value = spec.value ?? values.get(spec) ?? '';
    if (value === '') {
      const order = missing.map((s) => s.flag).join(', ');
      throw usage(`missing ${spec.flag}: type it at the prompt, or pipe it on stdin (one per line: ${order})`);
    }
    return value;
  });
}

const MAX_STDIN = 64 * 1024;

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  try {
    return (await readCapped(stream, MAX_STDIN)).toString('utf8');
  } catch (e) {
    if (e instanceof BodyTooLarge) throw usage('stdin: more than 64 KiB of secrets');
    throw e;
  }
}

/** Reads one line from the terminal without echoing it. Ctrl-C aborts with 130, like a shell. */
function promptHidden(label: string, term: Terminal): Promise<string> {
  const { stdin, stderr } = term;
  stderr.write(label);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          process.exit(130);
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
