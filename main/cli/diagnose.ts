/** `burrow diagnose`: the vendors' troubleshooting checklist, run for one tunnel by the app (diagnose:run). */
import { randomUUID } from 'node:crypto';
import type { DiagnoseStatus, Events, Question } from '../../common/contract.js';
import { readSecretFile } from '../app/platform.js';
import { openDoor, type CliDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, setValues, UsageError } from './options.js';
import { reportFailure } from './say.js';
import { commandLineGiven, commandLineTargets, engineFor, savedTargets, TARGET_OPTIONS, type Targets } from './targets.js';
import { answerOnTerminal } from './terminal.js';

const USAGE = `usage: burrow diagnose [--json] [--passphrase-file FILE] [--set NAME=VALUE]... -- <ssh|autossh|plink command line>
       burrow diagnose [--json] [--passphrase-file FILE] [--config FILE] NAME...

Checks, in order: the name resolves, TCP reaches the SSH port, Burrow and the server have SSH
algorithms in common, the host key is the expected one, the login works, every remote port can be
opened (telling "in use" from "not permitted"), and every target is reachable. Exits 1 when a step
fails.

On a terminal, an unknown host key is shown and you are asked whether to trust it (as \`burrow
trust\` does); if you do, it is recorded and the remaining steps run. --set NAME=VALUE fills a
placeholder of a vendor's command (<NAME>, $NAME, [name]).`;

const MARK: Record<DiagnoseStatus, string> = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' };

const OPTIONS = {
  ...TARGET_OPTIONS,
  'passphrase-file': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function main(argv: string[], io: CliIo): Promise<number> {
  let door: CliDoor | undefined;
  try {
    const { values: v, positionals, rest } = parseOptions(argv, OPTIONS, true);
    if (v.help) {
      io.out(USAGE);
      return 0;
    }
    const json = v.json === true;
    const words = rest ?? positionals;
    if (words.length === 0 && v.config === undefined) throw new UsageError('nothing to check: give a command line after --, or saved session names');
    const values = setValues(v.set);
    const commandLine = commandLineGiven(rest, words, { config: v.config, values });
    const passphrase = v['passphrase-file'] !== undefined ? await readSecretFile(v['passphrase-file']) : io.env.BURROW_PASSPHRASE || undefined;

    // The command line is read first: how an unknown host is trusted is said in its words.
    let targets: Targets;
    if (commandLine) {
      const reader = await openDoor(io, { sessions: false });
      try {
        targets = await commandLineTargets(reader.ask, words, values, { command: 'diagnose', argv });
      } finally {
        await reader.close();
      }
      door = await openDoor(io, { sessions: false, engine: engineFor(targets.origin, targets.verbosity) });
    } else {
      door = await openDoor(io, { config: v.config, engine: engineFor('saved', 0) });
      targets = { sessions: await savedTargets(door.ask, door.file, words), origin: 'saved', notes: [], verbosity: 0 };
    }

    const app = door.app;
    let n = 0;
    let runId = '';
    // On a terminal the app asks it about an unknown host key; the steps are printed as they end.
    const detach = app.attach(
      (name, payload) => {
        if (name === 'questions:asked' && io.interactive) void answerOnTerminal(app, payload as Question);
        if (name !== 'diagnose:step' || json) return;
        const { runId: of, step: s } = payload as Events['diagnose:step'];
        if (of !== runId) return;
        n++;
        io.out(`  ${MARK[s.status]} ${n}. ${s.title} (${s.ms} ms)\n         ${s.detail}${s.hint ? `\n         fix: ${s.hint}` : ''}`);
      },
      { answers: io.interactive },
    );
    let allOk = true;
    try {
      for (const cfg of targets.sessions) {
        if (!json) io.out(`${cfg.name}:`);
        n = 0;
        runId = randomUUID();
        const { id: _id, ...config } = cfg;
        const report = await door.ask('diagnose:run', {
          runId,
          ...(targets.origin === 'saved' ? { id: cfg.id } : { config }),
          ...(passphrase !== undefined ? { passphrase } : {}),
        });
        if (json) io.out(JSON.stringify(report));
        allOk &&= report.ok;
      }
    } finally {
      detach();
    }
    return allOk ? 0 : 1;
  } catch (err) {
    return reportFailure(err, io, 'burrow diagnose', USAGE);
  } finally {
    await door?.close();
  }
}
