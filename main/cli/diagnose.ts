/** `burrow diagnose`: the vendors' troubleshooting checklist, run for one tunnel. */
import { diagnose, type DiagnoseStep } from '../core/diagnose.js';
import { ConfigError } from '../core/config/schema.js';
import { CommandLineError } from '../core/config/importers/command-line.js';
import { BurrowError } from '../core/session/errors.js';
import { KeyError, readPassphraseFile } from '../core/keys/index.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { terminalHostKeyPrompt } from './prompts.js';
import { selectSessions, type Selection } from './select.js';

const USAGE = `usage: burrow diagnose [--json] [--passphrase-file FILE] [--set NAME=VALUE]... -- <ssh|autossh|plink command line>
       burrow diagnose [--json] [--passphrase-file FILE] [--config FILE] NAME...

Checks, in order: the name resolves, TCP reaches the SSH port, Burrow and the server have SSH
algorithms in common, the host key is the expected one, the login works, every remote port can be
opened (telling "in use" from "not permitted"), and every target is reachable. Exits 1 when a step
fails.

On a terminal, an unknown host key is shown and you are asked whether to trust it (as \`burrow
trust\` does); if you do, it is recorded and the remaining steps run. --set NAME=VALUE fills a
placeholder of a vendor's command (<NAME>, $NAME, [name]).`;

const MARK: Record<DiagnoseStep['status'], string> = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' };

export async function main(argv: string[], io: CliIo): Promise<number> {
  let selection: Selection;
  let json: boolean;
  let passphrase: string | undefined;
  try {
    const args = parseArgs(argv, { values: ['--config', '--passphrase-file'], lists: ['--set'], flags: ['--json', '--help'] });
    if (args.flags.has('--help')) {
      io.out(USAGE);
      return 0;
    }
    json = args.flags.has('--json');
    const words = args.rest ?? args.positional;
    if (words.length === 0 && args.values['--config'] === undefined)
      throw new UsageError('nothing to check: give a command line after --, or saved session names');
    selection = await selectSessions(args, words, io, { command: 'diagnose' });
    const pf = args.values['--passphrase-file'];
    passphrase = pf !== undefined ? await readPassphraseFile(pf) : io.env.BURROW_PASSPHRASE;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CommandLineError || err instanceof ConfigError || err instanceof BurrowError || err instanceof KeyError) {
      io.err(`burrow diagnose: ${err.message}`);
      if (err instanceof UsageError && err.showUsage) io.err(USAGE);
      return 2;
    }
    throw err;
  }

  let allOk = true;
  for (const cfg of selection.sessions) {
    if (!json) io.out(`${cfg.name}:`);
    let n = 0;
    const report = await diagnose(cfg, {
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(selection.secrets ? { secrets: selection.secrets } : {}),
      ...(io.interactive ? { prompt: terminalHostKeyPrompt() } : {}),
      ...(selection.engine.unknownHostHint
        ? { unknownHostHint: (k: { keyType: string; fingerprint: string }) => selection.engine.unknownHostHint!(cfg, k) }
        : {}),
      onStep: (s) => {
        n++;
        if (json) return;
        io.out(`  ${MARK[s.status]} ${n}. ${s.title} (${s.ms} ms)\n         ${s.detail}${s.hint ? `\n         fix: ${s.hint}` : ''}`);
      },
    });
    if (json) io.out(JSON.stringify(report));
    allOk &&= report.ok;
  }
  return allOk ? 0 : 1;
}
