/** What the CLI asks a person on a terminal: an unknown host key, a key's passphrase. */
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { SessionConfig } from '../../common/config.js';
import { BurrowError } from '../core/session/errors.js';
import { hostKeyName, type HostKeyPrompt } from '../core/session/host-keys.js';
import { defaultIdentityFiles, expandHome, loadIdentity } from '../core/session/identity.js';

/** Asks on the terminal, as `ssh` does for an unknown host. */
export function terminalHostKeyPrompt(): HostKeyPrompt {
  return async ({ host, port, keyType, fingerprint }) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const name = hostKeyName(host, port);
      const answer = await rl.question(
        `The authenticity of host '${name}' can't be established.\n${keyType} key fingerprint is ${fingerprint}.\nTrust it and record it in known_hosts (yes/no)? `,
      );
      return answer.trim().toLowerCase() === 'yes';
    } finally {
      rl.close();
    }
  };
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

/**
 * Asks once, up front, for the passphrase of the first encrypted key that has none of its own
 * (no `auth.passphraseFile`, not a stored key): the files each session will use, with `~`
 * expanded and OpenSSH's defaults when none is given. Resolves with the answer, undefined when no
 * key needs one, or null when the person pressed Ctrl-C.
 */
export async function askPassphraseUpFront(sessions: ReadonlyArray<SessionConfig>): Promise<string | undefined | null> {
  for (const s of sessions) {
    if (s.auth.passphraseFile !== undefined) continue;
    const files = s.auth.identityFiles.length > 0 ? s.auth.identityFiles.map((f) => expandHome(f)) : defaultIdentityFiles().filter((f) => existsSync(f));
    for (const f of files) {
      try {
        await loadIdentity(f, undefined);
      } catch (err) {
        if (err instanceof BurrowError && err.info.code === 'KEY_PASSPHRASE') return (await askPassphrase(`Passphrase for ${f}: `)) ?? null;
      }
    }
  }
  return undefined;
}
