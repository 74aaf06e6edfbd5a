/** `burrow key`: generate, identify and convert SSH keys (the backend of the key wizard, headless), through the app's keyfiles:* requests. */
import path from 'node:path';
import { AppCallError } from '../../common/api.js';
import type { KeyFileView, RequestArgs } from '../../common/contract.js';
import { readSecretFile } from '../app/platform.js';
import { openDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, UsageError } from './options.js';
import { reportFailure } from './say.js';

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

const FORMATS = ['openssh', 'ppk', 'ppk2'] as const;
type Format = (typeof FORMATS)[number];
const FORMAT_NAME: Record<Format, string> = { openssh: 'OpenSSH', ppk: 'PuTTY .ppk v3', ppk2: 'PuTTY .ppk v2' };

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
    // A key file that is there already, not named to be replaced: the command was right, the path not.
    if (err instanceof AppCallError && err.error.code === 'CONFLICT' && err.error.field === 'path') {
      io.err(`burrow key: ${err.error.message}; give another path with --out`);
      return 2;
    }
    return reportFailure(err, io, 'burrow key', USAGE);
  }
}

/** Calls the app's key-file request (keys are files on this machine: the app in this process does it). */
async function ask<K extends 'keyfiles:generate' | 'keyfiles:inspect' | 'keyfiles:convert'>(io: CliIo, name: K, args: RequestArgs<K>): Promise<KeyFileView> {
  const door = await openDoor(io, { sessions: false });
  try {
    return await door.ask(name, args);
  } finally {
    await door.close();
  }
}

/** The passphrase for reading: --passphrase-file, else BURROW_PASSPHRASE. */
async function passphrase(file: string | undefined, io: CliIo): Promise<string | undefined> {
  if (file !== undefined) return readSecretFile(file);
  const env = io.env.BURROW_PASSPHRASE;
  return env === undefined || env === '' ? undefined : env;
}

function onlyFile(positionals: ReadonlyArray<string>): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'give the key FILE' : `one FILE only (got ${positionals.length})`);
  return path.resolve(positionals[0]!);
}

function format(v: string | undefined, option: string): Format | undefined {
  if (v === undefined) return undefined;
  if (!(FORMATS as ReadonlyArray<string>).includes(v)) throw new UsageError(`${option} must be openssh, ppk or ppk2 (got "${v}")`);
  return v as Format;
}

async function generate(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, {
    type: { type: 'string' },
    bits: { type: 'string' },
    comment: { type: 'string' },
    'passphrase-file': { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (v.out === '') throw new UsageError('--out needs a path');
  if (v.out === undefined && v.force)
    throw new UsageError('--force replaces the file given with --out; without --out, an existing ~/.ssh key is never replaced');
  if (v.bits !== undefined && !/^\d+$/.test(v.bits)) throw new UsageError(`--bits must be a number (got "${v.bits}")`);
  const fmt = format(v.format, '--format');
  const newPassphrase = v['passphrase-file'] !== undefined ? await readSecretFile(v['passphrase-file']) : undefined;
  const key = await ask(io, 'keyfiles:generate', {
    // The key layer checks the type and bits, and says which it takes.
    ...(v.type !== undefined ? { type: v.type as 'ed25519' } : {}),
    ...(v.bits !== undefined ? { bits: Number(v.bits) } : {}),
    ...(v.comment !== undefined ? { comment: v.comment } : {}),
    ...(v.out !== undefined ? { path: path.resolve(v.out) } : {}),
    ...(fmt ? { format: fmt } : {}),
    ...(newPassphrase ? { passphrase: newPassphrase } : {}),
    ...(v.force ? { force: true } : {}),
  });
  io.out(key.publicKey);
  io.out(key.listLine);
  io.err(`wrote ${key.path} (${FORMAT_NAME[key.format]}) and ${key.publicPath}`);
  if (!newPassphrase) io.err(`note: ${key.path} has no passphrase (what unattended tunnels need); keep it private.`);
  return 0;
}

async function show(argv: string[], io: CliIo, what: 'fingerprint' | 'public'): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, { 'passphrase-file': { type: 'string' } });
  const file = onlyFile(positionals);
  const pass = await passphrase(v['passphrase-file'], io);
  const key = await ask(io, 'keyfiles:inspect', { path: file, ...(pass !== undefined ? { passphrase: pass } : {}) });
  io.out(what === 'fingerprint' ? key.fingerprint : key.publicKey);
  return 0;
}

async function convert(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseOptions(argv, {
    to: { type: 'string' },
    out: { type: 'string' },
    'passphrase-file': { type: 'string' },
    'new-passphrase-file': { type: 'string' },
    force: { type: 'boolean' },
  });
  const file = onlyFile(positionals);
  if (!v.to) throw new UsageError('--to is required');
  const to = format(v.to, '--to')!;
  if (!v.out) throw new UsageError('--out is required');
  const pass = await passphrase(v['passphrase-file'], io);
  const newPass = v['new-passphrase-file'] !== undefined ? await readSecretFile(v['new-passphrase-file']) : undefined;
  const key = await ask(io, 'keyfiles:convert', {
    path: file,
    to,
    out: path.resolve(v.out),
    ...(pass !== undefined ? { passphrase: pass } : {}),
    ...(newPass ? { newPassphrase: newPass } : {}),
    ...(v.force ? { force: true } : {}),
  });
  io.out(`${v.out}: ${key.fingerprint} (${FORMAT_NAME[to]}${newPass ? ', passphrase-protected' : ''})`);
  if (!newPass && key.encrypted) io.err(`note: ${v.out} is not protected by a passphrase (the original was); add --new-passphrase-file to protect it.`);
  return 0;
}
