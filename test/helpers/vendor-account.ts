/**
 * The other direction of QueryCanary's guide, for tests: an account on "your SSH server" that the
 * vendor logs in as, a real sshd that reads that account's ~/.ssh/authorized_keys with StrictModes
 * on (as servers run), and the vendor's side — its own ECDSA key and an ssh2 client that opens a
 * connection to the database through the server, as the vendor's runners do.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { Sshd } from './sshd.js';

export interface VendorAccount {
  /** The user name the vendor logs in as. */
  readonly name: string;
  readonly uid: number;
  readonly home: string;
  /** A folder the account may pass through (0711), holding its home. */
  readonly base: string;
  /** The vendor's private key file and its public line (`ecdsa-sha2-nistp256 … querycanary.com`). */
  readonly keyPath: string;
  readonly publicKey: string;
  /** The account's authorized_keys. */
  readonly authorizedKeys: string;
  /** An sshd that lets this account in by that file. */
  readonly sshd: Sshd;
  /** Logs in as the vendor with its key. */
  connect(): Promise<ssh2.Client>;
  dispose(): Promise<void>;
}

/**
 * Makes the account (a home in a folder it may pass through, since sshd reads authorized_keys as
 * that user; a shell; a password that cannot be used but is not "locked", which sshd refuses), the
 * vendor's key pair, and an sshd for it. Needs root (hostileUserUnavailable() says why not).
 */
export async function createVendorAccount(): Promise<VendorAccount> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'burrow-vendor-'));
  chmodSync(base, 0o711);
  const name = `qc-${randomBytes(3).toString('hex')}`;
  const home = path.join(base, 'home');
  execFileSync('useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/sh', name]);
  execFileSync('usermod', ['-p', '*', name]);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const keyPath = path.join(base, 'querycanary');
  execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-C', 'querycanary.com', '-f', keyPath]);
  const authorizedKeys = path.join(home, '.ssh', 'authorized_keys');
  const sshd = await Sshd.start({ overrideConfig: [`AuthorizedKeysFile ${authorizedKeys}`, 'StrictModes yes'] });
  return {
    name,
    uid,
    home,
    base,
    keyPath,
    publicKey: readFileSync(keyPath + '.pub', 'utf8').trim(),
    authorizedKeys,
    sshd,
    connect: async () => {
      const c = new ssh2.Client();
      await new Promise<void>((resolve, reject) => {
        c.once('ready', resolve);
        c.once('error', reject);
        c.connect({ host: sshd.host, port: sshd.port, username: name, privateKey: readFileSync(keyPath), hostVerifier: () => true, readyTimeout: 10_000 });
      });
      return c;
    },
    dispose: async () => {
      await sshd.dispose();
      spawnSync('userdel', ['--remove', name]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/**
 * A local port whose connections the vendor's client carries through the server to host:port
 * (`ssh -L`, as the vendor's runner reaches the database): what psql is pointed at.
 */
export async function vendorTunnel(client: ssh2.Client, host: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
      if (err) return socket.destroy();
      socket.pipe(ch).pipe(socket);
      ch.on('error', () => socket.destroy());
      socket.on('error', () => ch.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
