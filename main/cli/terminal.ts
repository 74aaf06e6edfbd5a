/**
 * What the command line asks a person on a terminal: the app's questions (an unknown host key, a
 * key's passphrase), answered as `ssh` asks them. The app asks; the terminal is only a way to answer.
 */
import { createInterface } from 'node:readline/promises';
import type { Question } from '../../common/contract.js';
import { hostKeyName } from '../../common/known-hosts.js';
import type { AppPort } from '../app/app.js';

/** Asks on the terminal, as `ssh` does for an unknown host; true when the person typed yes. */
export async function askHostKey(q: { host: string; port: number; keyType: string; fingerprint: string }): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `The authenticity of host '${hostKeyName(q.host, q.port)}' can't be established.\n${q.keyType} key fingerprint is ${q.fingerprint}.\nTrust it and record it in known_hosts (yes/no)? `,
    );
    return answer.trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}

/**
 * Reads a passphrase on the terminal without echoing it; undefined when the person presses Ctrl-C.
 * A 'data' listener rather than `for await`: leaving a `for await` loop destroys process.stdin,
 * and the host-key question that may follow could then never be answered.
 */
export function askPassphrase(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode?.(true);
  let value = '';
  return new Promise((resolve) => {
    const finish = (result: string | undefined): void => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(value);
        if (ch === '\u0003') return finish(undefined);
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

/** One question at a time: two sessions asking at once would otherwise share the terminal. */
let line: Promise<unknown> = Promise.resolve();

/** Asks a question of the app on the terminal, then answers it in the app. */
export function answerOnTerminal(app: AppPort, q: Question): Promise<void> {
  const turn = line.then(async () => {
    if (q.kind === 'host-key') {
      const accept = await askHostKey(q);
      await app.call('questions:answer', { id: q.id, accept });
    } else {
      const passphrase = await askPassphrase(`${q.wrong ? 'Wrong passphrase. ' : ''}Passphrase for ${q.key} (${q.sessionName}): `);
      await app.call('questions:answer', passphrase ? { id: q.id, accept: true, passphrase } : { id: q.id, accept: false });
    }
  });
  line = turn.catch(() => undefined);
  return turn;
}
