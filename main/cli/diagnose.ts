/** `burrow diagnose`: the vendors' troubleshooting checklist, run for one tunnel. */
import type { SessionConfig } from '../../common/config.js';
import { diagnose, type DiagnoseStep } from '../core/diagnose.js';
import { ConfigError } from '../core/config/schema.js';
import { resolveConfigPath, secretsFolderFor } from '../core/config/config-file.js';
import { CommandLineError, parseCommandLine } from '../core/config/importers/command-line.js';
import { BurrowError } from '../core/session/errors.js';
import { FileSecretStore, KeyError, readPassphraseFile, type SecretStore } from '../core/keys/index.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';
import { sessionsFromConfig } from './run.js';

const USAGE = `usage: burrow diagnose [--json] [--passphrase-file FILE] -- <ssh|autossh|plink command line>
       burrow diagnose [--json] [--passphrase-file FILE] [--config FILE] NAME...

Checks, in order: the name resolves, TCP reaches the SSH port, the host key is the expected one,
the login works, every remote port can be opened (telling "in use" from "not permitted"), and
every target is reachable. Exits 1 when a step fails.`;

const MARK: Record<DiagnoseStep['status'], string> = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' };

export async function main(argv: string[], io: CliIo): Promise<number> {
  let sessions: SessionConfig[];
  let json: boolean;
  let passphrase: string | undefined;
  let secrets: SecretStore | undefined;
  try {
    const args = parseArgs(argv, { values: ['--config', '--passphrase-file'], flags: ['--json', '--help'] });
    if (args.flags.has('--help')) { io.out(USAGE); return 0; }
    json = args.flags.has('--json');
    const words = args.rest ?? args.positional;
    if (args.rest === undefined && (args.values['--config'] !== undefined || words.length > 0)) {
      const file = resolveConfigPath(args.values['--config'], io.env);
      sessions = await sessionsFromConfig(file, args.positional);
      secrets = new FileSecretStore(secretsFolderFor(file));
    } else {
      if (words.length === 0) throw new UsageError('nothing to check: give a command line after --, or saved session names');
      sessions = [parseCommandLine(words).session];
    }
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
  for (const cfg of sessions) {
    if (!json) io.out(`${cfg.name}:`);
    let n = 0;
    const report = await diagnose(cfg, {
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(secrets ? { secrets } : {}),
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
