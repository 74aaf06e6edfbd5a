/**
 * `burrow container`: the container image's entry point (deploy/Dockerfile). At each start it
 * takes what the environment and the mounted files say into the store, then runs the autostart
 * sessions as the service does (`burrow run --service --autostart`), with the operator's endpoint.
 *
 * The environment and the files are the truth for the sessions they name: a session of the same
 * name saved by an earlier start is replaced, not kept beside a new one, so a changed compose file
 * or ConfigMap takes effect on the next start. Everything goes through the contract, as any
 * command does (`import:preview`, `sessions:remove`, `import:apply`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { RequestArgs } from '../../common/contract.js';
import { IMPORT_LIMITS } from '../../common/limits.js';
import { resolveConfigPath } from '../app/platform.js';
import { AppCallError, openDoor, type Ask } from './connect.js';
import type { CliIo } from './io.js';
import { metricsOption, parseOptions, UsageError } from './options.js';
import { authority } from '../../common/metrics.js';
import { errorLines } from './say.js';

const USAGE = `usage: burrow container [--health]

The entry point of Burrow's container image: imports what the environment gives, then runs the
sessions marked "start automatically" until SIGTERM, as \`burrow run --service --autostart\` does.

Environment:
  BURROW_CONFIG     the session store (the image: /var/lib/burrow/config.json, a volume)
  BURROW_IMPORT     files to import at each start, separated by "${path.delimiter}": a \`burrow sessions export\`,
                    an ssh_config, a script or command line (keys and known_hosts by path, e.g.
                    a mounted Secret); their sessions start automatically
  SSH_HOST, SSH_PORT (or SSH_HOST_PORT), SSH_LISTEN_PORT, SSH_KEY_BASE64, SSH_USER
                    Secoda's agent environment, as its docker-compose file gives it: one session
  SSH_HOST_KEY      that server's host key ("ssh-ed25519 AAAA…"), when it is not Secoda's published one
  BURROW_SESSION_NAME  the name of that session (default: secoda)
  BURROW_METRICS    where /metrics, /healthz and /readyz listen (the image: 0.0.0.0:9876)
  BURROW_PASSPHRASE the passphrase of encrypted keys given by path

--health asks this container's /healthz (the image's HEALTHCHECK): exit 0 when it answers.`;

/** The Secoda agent's variables, when the environment has them. */
function secodaText(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.SSH_HOST || !env.SSH_LISTEN_PORT || !env.SSH_KEY_BASE64) return undefined;
  const names = ['SSH_HOST', 'SSH_PORT', 'SSH_HOST_PORT', 'SSH_LISTEN_PORT', 'SSH_KEY_BASE64', 'SSH_USER'];
  const lines = names.filter((n) => env[n]).map((n) => `${n}=${env[n]!}`);
  // The importer pins a host key written as Secoda's script writes it.
  if (env.SSH_HOST_KEY) lines.push(`[${env.SSH_HOST}]:${env.SSH_PORT ?? env.SSH_HOST_PORT ?? '22'} ${env.SSH_HOST_KEY}`);
  return lines.join('\n') + '\n';
}

/** One input into the store, replacing the saved sessions of the same names; says what it did. */
async function take(ask: Ask, io: CliIo, what: string, preview: RequestArgs<'import:preview'>, cwd?: string): Promise<void> {
  const p = await ask('import:preview', { ...preview, shown: IMPORT_LIMITS.sessions });
  // Checked before the sessions of the same names are removed: a refused import must lose nothing.
  const runCommands = io.env.BURROW_ALLOW_COMMANDS === '1';
  if (p.commands.length > 0 && !runCommands) {
    throw new Error(
      `${what}: ${p.commands.map((c) => `"${c.session}" would run \`${c.command}\``).join('; ')} at every connection; set BURROW_ALLOW_COMMANDS=1 if that is what you want`,
    );
  }
  const names = new Set(p.sessions.map((s) => s.name.toLowerCase()));
  const saved = await ask('sessions:list', {});
  for (const v of saved) if (names.has(v.config.name.toLowerCase())) await ask('sessions:remove', { id: v.config.id });
  const r = await ask('import:apply', {
    previewId: p.previewId,
    autostart: true,
    ...(runCommands ? { runCommands } : {}),
    ...(cwd !== undefined ? { cwd } : {}),
  });
  io.out(`${what}: ${r.savedCount} session${r.savedCount === 1 ? '' : 's'} (${r.saved.map((s) => s.name).join(', ')})`);
  for (const c of p.couldNot) io.err(`${what}: not taken: ${c.what}: ${c.why}`);
  for (const w of r.warnings) io.err(`${what}: warning: ${w}`);
}

/**
 * `burrow container --health`: the image's HEALTHCHECK. Asks this container's own /healthz, on
 * the address BURROW_METRICS gives (a wildcard address is asked on loopback); 0 when it answers 200.
 */
async function health(io: CliIo): Promise<number> {
  const a = metricsOption(undefined, io.env);
  if (!a) {
    io.err('burrow container --health: BURROW_METRICS is not set, so no /healthz is served to ask');
    return 1;
  }
  const host = a.host === '0.0.0.0' ? '127.0.0.1' : a.host === '::' ? '::1' : a.host;
  const url = `http://${authority({ host, port: a.port })}/healthz`;
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(4_000) });
    if (r.ok) return 0;
    io.err(`burrow container --health: ${url} answered ${r.status}`);
  } catch (err) {
    io.err(`burrow container --health: ${url} did not answer (${err instanceof Error ? err.message : String(err)})`);
  }
  return 1;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let file: string;
  try {
    const { values } = parseOptions(argv, { help: { type: 'boolean' }, health: { type: 'boolean' } });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (values.health) return await health(io);
    file = resolveConfigPath(undefined, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`burrow container: ${err.message}`);
    return 2;
  }
  const door = await openDoor(io, { config: file });
  try {
    const secoda = secodaText(io.env);
    if (secoda !== undefined) await take(door.ask, io, 'the environment (Secoda)', { text: secoda, name: io.env.BURROW_SESSION_NAME || 'secoda' });
    for (const f of (io.env.BURROW_IMPORT ?? '').split(path.delimiter).filter((x) => x !== '')) {
      let bytes: Buffer;
      try {
        bytes = await readFile(f);
      } catch (err) {
        throw new UsageError(
          `BURROW_IMPORT names ${f}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}): mount it, or fix the path`,
          false,
        );
      }
      await take(door.ask, io, f, { file: { name: path.basename(f), base64: bytes.toString('base64') } }, path.dirname(f));
    }
  } catch (err) {
    // A mistake in what the container was given: said once, with its fix, and the container stops
    // (its restart policy brings it back once the environment is fixed).
    if (err instanceof AppCallError) {
      const [first, ...more] = errorLines(err.error);
      io.err(`burrow container: ${first}`);
      for (const l of more) io.err(l);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`burrow container: ${err.message}`);
      return 2;
    }
    throw err;
  } finally {
    await door.close();
  }
  const run = (await import('./run.js')).main;
  return run(['--service', '--autostart', '--config', file], io);
}
