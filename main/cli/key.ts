/** `burrow key`: generate, identify and convert SSH keys (the backend of the key wizard, headless). */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import path from 'node:path';
import type { ExportFormat, KeyType } from '../core/keys/index.js';
import { exportKey, generateKey, inspectKeyFile, KeyError, keygenListLine, readKeyFile, readPassphraseFile, writeKeyFile } from '../core/keys/index.js';
import { parseArgs, UsageError } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `usage: burrow key generate [--type ed25519|rsa|ecdsa] [--bits N] [--comment C] [--passphrase-file F] [--out PATH [--force]] [--format openssh|ppk|ppk2]
       burrow key fingerprint FILE [--passphrase-file F]
       burrow key public FILE [--passphrase-file F]
       burrow key convert FILE --to openssh|ppk|ppk2 --out PATH [--passphrase-file F] [--new-passphrase-file F] [--force]

generate     makes a key pair: PATH (private, mode 0600) and PATH.pub, then prints the public key
             line (send it to the vendor) and its fingerprint as ssh-keygen -l does. Ed25519 unless
             the vendor asks for RSA (--bits 2048|3072|4096) or ECDSA (256|384|521). Without --out,
             ~/.ssh/id_<type> as ssh-keygen does (never replacing one that exists). The format follows
             --format, else PATH's extension (.ppk: PuTTY .ppk v3, and the public key in NAME.pub),
             else OpenSSH. The comment is user@host unless --comment says otherwise.
fingerprint  prints the SHA256:… fingerprint of a private or public key in any format Burrow reads.
public       prints the OpenSSH public key line of a key.
convert      writes the key as OpenSSH, PuTTY .ppk v3 (PuTTY 0.75+) or .ppk v2 (older PuTTY).

Formats read: OpenSSH, PEM (PKCS#1, SEC1), PKCS#8, PuTTY .ppk v2/v3, public key lines, as files,
pasted text or base64 of either. Passphrases come from the first line of --passphrase-file or the
BURROW_PASSPHRASE environment variable; --new-passphrase-file protects what convert writes.`;

/** Runs `burrow key …`; exit code 0 on success, 1 on a key error, 2 on a usage error. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'generate':
        return await generate(rest, io);
      case 'fingerprint':
        return await show(rest, io, 'fingerprint');
      case 'public':
        return await show(rest, io, 'public');
      case 'convert':
        return await convert(rest, io);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.out(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown subcommand "${sub}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`burrow key: ${err.message}`);
      io.err(USAGE);
      return 2;
    }
    if (err instanceof KeyError) {
      io.err(`burrow key: ${err.message} [${err.code}]`);
      io.err(`  fix: ${err.hint}`);
      return 1;
    }
    throw err;
  }
}

/** The passphrase for reading: --passphrase-file, else BURROW_PASSPHRASE. */
async function passphrase(file: string | undefined, io: CliIo): Promise<string | undefined> {
  if (file !== undefined) return readPassphraseFile(file);
  const env = io.env.BURROW_PASSPHRASE;
  return env === undefined || env === '' ? undefined : env;
}

function onlyFile(positional: ReadonlyArray<string>): string {
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'give the key FILE' : `one FILE only (got ${positional.length})`);
  return positional[0]!;
}

function required(values: Record<string, string>, name: string): string {
  const v = values[name];
  if (v === undefined || v === '') throw new UsageError(`${name} is required`);
  return v;
}

/** The private key format `generate` writes: --format, else the file's extension, else OpenSSH. */
function formatFor(out: string, format: string | undefined): ExportFormat {
  if (format !== undefined) {
    if (!FORMATS.includes(format as ExportFormat)) throw new UsageError(`--format must be openssh, ppk or ppk2 (got "${format}")`);
    return format as ExportFormat;
  }
  return path.extname(out).toLowerCase() === '.ppk' ? 'ppk' : 'openssh';
}

const FORMAT_NAME: Record<ExportFormat, string> = { openssh: 'OpenSSH', ppk: 'PuTTY .ppk v3', ppk2: 'PuTTY .ppk v2' };

async function generate(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, { values: ['--type', '--bits', '--comment', '--passphrase-file', '--out', '--format'], flags: ['--force'] });
  if (a.positional.length > 0) throw new UsageError(`unexpected argument "${a.positional[0]}"`);
  const type = (a.values['--type'] ?? 'ed25519') as KeyType;
  const given = a.values['--out'];
  if (given === '') throw new UsageError('--out needs a path');
  if (given === undefined && a.flags.has('--force'))
    throw new UsageError('--force replaces the file given with --out; without --out, an existing ~/.ssh key is never replaced');
  // As ssh-keygen: ~/.ssh/id_<type> (created 0700), never over an existing key.
  const out = given ?? path.join(homedir(), '.ssh', `id_${type}`);
  const format = formatFor(out, a.values['--format']);
  const pub = format === 'openssh' ? `${out}.pub` : `${out.slice(0, out.length - path.extname(out).length) || out}.pub`;
  if (given === undefined) {
    for (const f of [out, pub]) {
      if (existsSync(f)) throw new UsageError(`${f} already exists: Burrow never replaces a key it was not told to; give another path with --out`, false);
    }
    await mkdir(path.dirname(out), { recursive: true, mode: 0o700 });
  }
  const bitsText = a.values['--bits'];
  if (bitsText !== undefined && !/^\d+$/.test(bitsText)) throw new UsageError(`--bits must be a number (got "${bitsText}")`);
  const newPassphrase = a.values['--passphrase-file'] !== undefined ? await readPassphraseFile(a.values['--passphrase-file']) : undefined;
  const key = await generateKey({
    type,
    ...(bitsText !== undefined ? { bits: Number(bitsText) } : {}),
    // ssh-keygen's default comment: who made it, where.
    comment: a.values['--comment'] ?? `${userInfo().username}@${hostname()}`,
  });
  const file = await exportKey(key, format, newPassphrase ? { passphrase: newPassphrase } : {});
  const force = a.flags.has('--force');
  await writeKeyFile(out, file, 0o600, force);
  await writeKeyFile(pub, key.info.publicKey + '\n', 0o644, force);
  io.out(key.info.publicKey);
  io.out(keygenListLine(key.info));
  io.err(`wrote ${out} (${FORMAT_NAME[format]}) and ${pub}`);
  if (!newPassphrase) io.err(`note: ${out} has no passphrase (what unattended tunnels need); keep it private.`);
  return 0;
}

async function show(argv: string[], io: CliIo, what: 'fingerprint' | 'public'): Promise<number> {
  const a = parseArgs(argv, { values: ['--passphrase-file'] });
  const file = onlyFile(a.positional);
  const pass = await passphrase(a.values['--passphrase-file'], io);
  const info = await inspectKeyFile(file, pass !== undefined ? { passphrase: pass } : {});
  io.out(what === 'fingerprint' ? info.fingerprint : info.publicKey);
  return 0;
}

const FORMATS: ReadonlyArray<ExportFormat> = ['openssh', 'ppk', 'ppk2'];

async function convert(argv: string[], io: CliIo): Promise<number> {
  const a = parseArgs(argv, { values: ['--to', '--out', '--passphrase-file', '--new-passphrase-file'], flags: ['--force'] });
  const file = onlyFile(a.positional);
  const to = required(a.values, '--to') as ExportFormat;
  if (!FORMATS.includes(to)) throw new UsageError(`--to must be openssh, ppk or ppk2 (got "${to}")`);
  const out = required(a.values, '--out');
  const pass = await passphrase(a.values['--passphrase-file'], io);
  const newPass = a.values['--new-passphrase-file'] !== undefined ? await readPassphraseFile(a.values['--new-passphrase-file']) : undefined;
  const key = await readKeyFile(file, pass !== undefined ? { passphrase: pass } : {});
  const data = await exportKey(key, to, newPass ? { passphrase: newPass } : {});
  await writeKeyFile(out, data, 0o600, a.flags.has('--force'));
  io.out(
    `${out}: ${key.info.fingerprint} (${to === 'openssh' ? 'OpenSSH' : to === 'ppk' ? 'PuTTY .ppk v3' : 'PuTTY .ppk v2'}${newPass ? ', passphrase-protected' : ''})`,
  );
  if (!newPass && key.info.encrypted) io.err(`note: ${out} is not protected by a passphrase (the original was); add --new-passphrase-file to protect it.`);
  return 0;
}
