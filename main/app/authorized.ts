/**
 * "Authorize a vendor's key" (QueryCanary's guide, the other direction: the vendor connects in
 * through this machine's SSH server): the account whose ~/.ssh/authorized_keys is written, and the
 * rules about who may write it, for every door — `burrow authorize` and the window's screen.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import type { AuthorizedKeysView, VendorKeyView } from '../../common/contract.js';
import { addVendorKey, AuthorizeError, listVendorKeys, removeVendorKey, type Account, type VendorKeyInput } from '../core/authorized-keys.js';
import { AppFailure, fail } from './errors.js';

const run = promisify(execFile);

interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

function passwdLine(line: string): PasswdEntry | undefined {
  const f = line.split(':');
  if (f.length < 7) return undefined;
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! };
}

/** An account of this machine by name: getent (which also asks LDAP and the like), else /etc/passwd. */
async function lookUp(name: string): Promise<PasswdEntry | undefined> {
  try {
    const { stdout } = await run('getent', ['passwd', name], { timeout: 5000 });
    return passwdLine(stdout.trim());
  } catch (err) {
    if ((err as { code?: unknown }).code === 2) return undefined; // getent: no such key
  }
  const text = await readFile('/etc/passwd', 'utf8').catch(() => '');
  return text
    .split('\n')
    .map(passwdLine)
    .find((e) => e?.name === name);
}

function asAppError(err: unknown): never {
  if (err instanceof AuthorizeError) {
    const code = err.kind === 'conflict' ? 'CONFLICT' : err.kind === 'file' ? 'FORBIDDEN' : 'INVALID_INPUT';
    throw new AppFailure({ code, message: `${err.field} ${err.problem}`, hint: err.fix, field: err.field, problem: err.problem });
  }
  throw err;
}

export class VendorKeys {
  /** One change at a time per process: two quick adds must not read the same old file. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** This account's home for `~` (tests use a temporary one). */
    private readonly home: string | undefined,
    private readonly today: () => string = () => new Date().toISOString().slice(0, 10),
  ) {}

  /** The account named (or this one), where its file is, and whether this process may write it. */
  private async account(name: string | undefined, writing: boolean): Promise<Account & { uid: number }> {
    const me = os.userInfo();
    let account: Account & { uid: number };
    if (name === undefined || name === me.username) {
      account = { name: me.username, home: this.home ?? os.homedir(), uid: me.uid };
    } else {
      if (process.platform === 'win32') {
        fail('UNSUPPORTED', "on Windows Burrow writes only this account's authorized_keys", 'Run Burrow as the account the vendor logs in as.', 'account');
      }
      const found = await lookUp(name);
      if (!found)
        fail(
          'NOT_FOUND',
          `account ${name} does not exist on this machine`,
          'Give the user name the vendor logs in as (make one first, e.g. useradd -m querycanary).',
          'account',
        );
      const owner = me.uid === 0 ? { owner: { uid: found.uid, gid: found.gid } } : {};
      account = { name: found.name, home: found.home, uid: found.uid, ...owner };
      if (writing && me.uid !== 0) {
        fail(
          'FORBIDDEN',
          `only ${name} or root may change ${name}'s authorized_keys`,
          `Run Burrow as ${name}, or run the same command with sudo (sudo burrow authorize … --account ${name}).`,
          'account',
        );
      }
    }
    if (writing && account.uid === 0) {
      // The vendor's key would log in as root: its limits would be all that stands between it and
      // the machine. sshd also refuses a port below 1024 to anyone but root, which is what keeps
      // this key from listening anywhere (authorized-keys.ts).
      fail(
        'FORBIDDEN',
        "a vendor's key is never added to root's authorized_keys",
        'Make an account for the vendor (useradd -m querycanary) and authorize the key there: give that account, and tell the vendor its name.',
        'account',
      );
    }
    return account;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async list(accountName: string | undefined): Promise<AuthorizedKeysView> {
    const account = await this.account(accountName, false);
    const f = await listVendorKeys(account).catch(asAppError);
    return { account: account.name, file: f.file, exists: f.exists, entries: f.entries, otherKeys: f.otherKeys };
  }

  async add(accountName: string | undefined, input: VendorKeyInput): Promise<{ entry: VendorKeyView; replaced: boolean; file: string; account: string }> {
    const account = await this.account(accountName, true);
    return this.serial(async () => {
      const r = await addVendorKey(account, input, this.today()).catch(asAppError);
      return { entry: r.entry, replaced: r.replaced, file: r.file, account: account.name };
    });
  }

  async remove(accountName: string | undefined, which: string): Promise<{ entry: VendorKeyView; file: string; account: string }> {
    const account = await this.account(accountName, true);
    return this.serial(async () => {
      const r = await removeVendorKey(account, which).catch(asAppError);
      return { entry: r.entry, file: r.file, account: account.name };
    });
  }
}
