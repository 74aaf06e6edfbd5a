/**
 * `burrow authorize`: lets a vendor's public key in through this machine's SSH server with the
 * least it needs (QueryCanary's guide: the vendor connects in and asks you to add its key to
 * ~/.ssh/authorized_keys). The app writes the line (authorized:add / list / remove); this command
 * reads the key and says what was done.
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { VendorKeyView } from '../../common/contract.js';
import { openDoor } from './connect.js';
import type { CliIo } from './io.js';
import { parseOptions, UsageError } from './options.js';
import { reportFailure } from './say.js';

const USAGE = `usage: burrow authorize [--account USER] --to HOST:PORT [--from ADDRESSES] [--name NAME] PUBLIC-KEY
       burrow authorize [--account USER] --list
       burrow authorize [--account USER] --remove NAME|FINGERPRINT

Adds a vendor's public key (QueryCanary's "ecdsa-sha2-nistp256 AAAA… querycanary.com") to the
account's ~/.ssh/authorized_keys, limited to what the vendor needs: it may open a connection to
HOST:PORT (your database, as this machine reaches it) and nothing else — no shell, no command, no
other port, no port listening here. ~/.ssh (700) and the file (600) are made if missing. Other
lines of the file are never touched; --list shows the keys Burrow added, --remove takes one away.

PUBLIC-KEY        the key line as the vendor shows it (quoted or not), a .pub file, or - to read it
--to HOST:PORT    what the key may open: localhost:5432, db.internal:3306, [::1]:5432
--from ADDRESSES  only from these addresses or networks (the vendor's published ones), comma-separated
--name NAME       what the entry is called (default: the key's comment)
--account USER    whose authorized_keys (default: yours; another account's needs root). Never root's:
                  make an account for the vendor (useradd -m querycanary) and tell the vendor its name.
--config FILE     the session store (default: $BURROW_CONFIG, else the platform's config folder)`;

const OPTIONS = {
  to: { type: 'string' },
  from: { type: 'string', multiple: true },
  name: { type: 'string' },
  account: { type: 'string' },
  config: { type: 'string' },
  list: { type: 'boolean' },
  remove: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** HOST:PORT, with an IPv6 address in brackets. */
function target(to: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(to.trim());
  if (!m) throw new UsageError(`--to ${JSON.stringify(to)}: give HOST:PORT, e.g. localhost:5432 or db.internal:3306 ([::1]:5432 for an IPv6 address)`, false);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** The key from the words given: the line itself, a file holding it, or standard input. */
async function keyText(words: ReadonlyArray<string>): Promise<string> {
  if (words.length === 1 && words[0] === '-') return readFileSync(0, 'utf8').slice(0, 16_384);
  if (words.length === 1 && !/\s/.test(words[0]!.trim())) {
    const info = await stat(words[0]!).catch(() => undefined);
    if (info?.isFile()) {
      if (info.size > 16_384) throw new UsageError(`${words[0]} is ${info.size} bytes: a public key file is one line`, false);
      return readFile(words[0]!, 'utf8');
    }
  }
  return words.join(' ');
}

function describe(e: VendorKeyView): string[] {
  return [
    `  ${e.name}: ${e.keyType} ${e.fingerprint}${e.comment ? ` (${e.comment})` : ''}, added ${e.added}, line ${e.line}`,
    `    may open ${e.opens.join(', ') || '(no port: the line was changed by hand)'} only; from ${e.from.length ? e.from.join(', ') : 'anywhere'}`,
  ];
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let door: Awaited<ReturnType<typeof openDoor>> | undefined;
  try {
    const { values: v, positionals } = parseOptions(argv, OPTIONS);
    if (v.help) {
      io.out(USAGE);
      return 0;
    }
    const account = v.account !== undefined ? { account: v.account } : {};
    const modes = [v.list === true, v.remove !== undefined, positionals.length > 0].filter(Boolean).length;
    if (modes === 0) throw new UsageError("give the vendor's public key (or --list, or --remove NAME)");
    if (modes > 1) throw new UsageError('give one of: a public key to add, --list, --remove NAME');
    door = await openDoor(io, { config: v.config, sessions: false });
    if (v.list) {
      const r = await door.ask('authorized:list', account);
      io.out(
        `${r.file}${r.exists ? '' : ' (not there yet)'}: ${r.entries.length} vendor key${r.entries.length === 1 ? '' : 's'} added by Burrow, ${r.otherKeys} other key${r.otherKeys === 1 ? '' : 's'}`,
      );
      for (const e of r.entries) for (const l of describe(e)) io.out(l);
      return 0;
    }
    if (v.remove !== undefined) {
      const r = await door.ask('authorized:remove', { ...account, key: v.remove });
      io.out(`removed ${r.entry.name} (${r.entry.fingerprint}) from ${r.file}: that key can no longer log in as ${r.account}`);
      return 0;
    }
    if (v.to === undefined)
      throw new UsageError('--to HOST:PORT is missing: the database the vendor may reach, as this machine reaches it (e.g. localhost:5432)');
    const r = await door.ask('authorized:add', {
      ...account,
      publicKey: await keyText(positionals),
      ...target(v.to),
      ...(v.name !== undefined ? { name: v.name } : {}),
      ...(v.from ? { from: v.from } : {}),
    });
    io.out(`${r.replaced ? 'updated' : 'authorized'} ${r.entry.name} (${r.entry.keyType} ${r.entry.fingerprint}) in ${r.file}`);
    io.out(`  it may log in as ${r.account} to open ${r.entry.opens.join(', ')}, and nothing else: no shell, no command, no other port`);
    io.out(
      r.entry.from.length ? `  only from ${r.entry.from.join(', ')}` : "  from anywhere: add --from with the vendor's published addresses to allow only those",
    );
    io.out(`next: in the vendor's settings give this machine's address, its SSH port and the user ${r.account}; the database is ${r.entry.opens.join(', ')}`);
    return 0;
  } catch (err) {
    return reportFailure(err, io, 'burrow authorize', USAGE, (field) =>
      field === 'host' || field === 'port'
        ? '--to'
        : field === 'publicKey'
          ? 'the public key'
          : field === 'account'
            ? '--account'
            : field === 'key'
              ? '--remove'
              : field === 'from'
                ? '--from'
                : field === 'name'
                  ? '--name'
                  : undefined,
    );
  } finally {
    await door?.close();
  }
}
