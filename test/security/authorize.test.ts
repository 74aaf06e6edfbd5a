/**
 * "Authorize a vendor's key" (QueryCanary's guide), black-box: `burrow authorize` writes the
 * vendor's key into the vendor account's ~/.ssh/authorized_keys, and a real sshd (StrictModes on,
 * as servers run) lets that key do exactly one thing — open the database's port — and nothing
 * else: no command, no shell, no subsystem, no other port, no Unix socket, no listening port.
 * The vendor is played by an ssh2 client with its own ECDSA key, as QueryCanary's runners connect.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type ssh2 from 'ssh2';
import { type Sshd, sshdUnavailable } from '../helpers/sshd.js';
import { createVendorAccount, type VendorAccount } from '../helpers/vendor-account.js';
import { echoServer, freePort } from '../helpers/net.js';
import { runBurrow } from '../helpers/cli.js';
import { hostileUserUnavailable } from '../helpers/hostile-user.js';

const skip = sshdUnavailable() ?? hostileUserUnavailable();

/** Settles with what happened, so a refusal is a value to assert on. */
function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );
}

describe('burrow authorize: a vendor key that can open its one port and nothing else', { skip }, () => {
  let qc: VendorAccount;
  let base: string;
  let home: string;
  let account: string;
  let uid: number;
  let sshd: Sshd;
  let db: Awaited<ReturnType<typeof echoServer>>;
  let other: Awaited<ReturnType<typeof echoServer>>;
  let vendorKey: string;
  let vendorPub: string;
  const config = (): string => path.join(base, 'config.json');
  /** `burrow authorize` on this test's store; `forVendor` adds the vendor's account. */
  const authorize = (args: string[], forVendor = true) => runBurrow(['authorize', '--config', config(), ...(forVendor ? ['--account', account] : []), ...args]);
  /** The entry the guide's step makes: the vendor's key, allowed to the database's port. */
  const letIn = (...extra: string[]) => authorize(['--to', `127.0.0.1:${db.port}`, '--name', 'QueryCanary – prod', ...extra, vendorPub]);

  before(async () => {
    qc = await createVendorAccount();
    ({ base, home, name: account, uid, sshd, keyPath: vendorKey, publicKey: vendorPub } = qc);
    db = await echoServer();
    other = await echoServer();
  });
  after(async () => {
    await qc?.dispose();
    await db?.close();
    await other?.close();
  });

  /** The vendor logs in with its key (a fresh connection per question, as its runners do). */
  const vendor = (): Promise<ssh2.Client> => qc.connect();

  const forwardOut = (c: ssh2.Client, port: number): Promise<ssh2.ClientChannel> =>
    new Promise((resolve, reject) => c.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, ch) => (err ? reject(err) : resolve(ch))));

  const exchange = (ch: ssh2.ClientChannel, payload: Buffer): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const got: Buffer[] = [];
      let n = 0;
      ch.on('data', (d: Buffer) => {
        got.push(d);
        n += d.length;
        if (n >= payload.length) {
          ch.end();
          resolve(Buffer.concat(got));
        }
      });
      ch.on('error', reject);
      ch.write(payload);
    });

  /** A session channel's output and exit code: what the key may run. */
  const execute = (c: ssh2.Client, command: string): Promise<{ code: number | null; out: string }> =>
    new Promise((resolve, reject) =>
      c.exec(command, (err, ch) => {
        if (err) return reject(err);
        let out = '';
        let code: number | null = null;
        ch.on('data', (d: Buffer) => (out += d.toString()));
        ch.stderr.on('data', (d: Buffer) => (out += d.toString()));
        ch.on('exit', (c2: number | null) => (code = c2));
        ch.on('close', () => resolve({ code, out }));
      }),
    );

  test("the key is written into the vendor account's file, with ~/.ssh 700 and the file 600 owned by it; the other lines stay", async () => {
    // A line the account already had: never touched.
    mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
    execFileSync('chown', [`${account}:`, path.join(home, '.ssh')]);
    const mine = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop';
    writeFileSync(path.join(home, '.ssh', 'authorized_keys'), `# my own\n${mine}\n`, { mode: 0o600 });
    execFileSync('chown', [`${account}:`, path.join(home, '.ssh', 'authorized_keys')]);
    rmSync(path.join(home, '.ssh'), { recursive: true }); // and once more from nothing, as the guide's mkdir -p
    const r = await letIn();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /authorized QueryCanary – prod \(ecdsa-sha2-nistp256 SHA256:/);
    assert.match(r.stdout, new RegExp(`open 127\\.0\\.0\\.1:${db.port}, and nothing else`));
    const dir = lstatSync(path.join(home, '.ssh'));
    const file = lstatSync(path.join(home, '.ssh', 'authorized_keys'));
    assert.equal(dir.mode & 0o777, 0o700);
    assert.equal(file.mode & 0o777, 0o600);
    assert.equal(dir.uid, uid);
    assert.equal(file.uid, uid);
    const text = readFileSync(path.join(home, '.ssh', 'authorized_keys'), 'utf8');
    assert.match(
      text,
      new RegExp(`^restrict,port-forwarding,permitopen="127\\.0\\.0\\.1:${db.port}",permitlisten="localhost:1",command="false" ecdsa-sha2-nistp256 `, 'm'),
    );
    // Now with a line of the account's own before it.
    writeFileSync(path.join(home, '.ssh', 'authorized_keys'), `# my own\n${mine}\n${text}`);
    const list = await authorize(['--list']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /1 vendor key added by Burrow, 1 other key/);
    assert.match(list.stdout, new RegExp(`QueryCanary – prod: ecdsa-sha2-nistp256 SHA256:\\S+ \\(querycanary\\.com\\), added \\d{4}-\\d\\d-\\d\\d, line 4`));
  });

  test('the vendor opens the database port through the SSH server, and data arrives whole', async () => {
    const c = await vendor();
    try {
      const payload = randomBytes(256 * 1024);
      const back = await exchange(await forwardOut(c, db.port), payload);
      assert.ok(back.equals(payload), 'the echo came back whole');
    } finally {
      c.end();
    }
  });

  test('…and nothing else: no other port, no command, no shell, no sftp, no Unix socket, no listening port', async () => {
    const c = await vendor();
    const marker = path.join(base, 'ran');
    chmodSync(base, 0o777); // were a command to run, it could write here: its absence means it did not run
    try {
      const otherPort = await settle(forwardOut(c, other.port));
      assert.equal(otherPort.ok, false, 'another port on the same host is refused');
      const sshPort = await settle(forwardOut(c, sshd.port));
      assert.equal(sshPort.ok, false, "the SSH server's own port is refused");

      const ran = await execute(c, `touch ${marker}; echo RAN`);
      assert.equal(ran.code, 1, 'the forced command (false) runs instead');
      assert.doesNotMatch(ran.out, /RAN/);
      assert.equal(existsSync(marker), false, 'the command did not run');

      const shell = await new Promise<{ code: number | null; out: string }>((resolve, reject) =>
        c.shell(false, (err, ch) => {
          if (err) return reject(err);
          let out = '';
          let code: number | null = null;
          ch.on('data', (d: Buffer) => (out += d.toString()));
          ch.on('exit', (x: number | null) => (code = x));
          ch.on('close', () => resolve({ code, out }));
          ch.end(`touch ${marker}\necho SHELL\n`);
        }),
      );
      assert.equal(shell.code, 1);
      assert.doesNotMatch(shell.out, /SHELL/);
      assert.equal(existsSync(marker), false, 'the shell did not run');

      const pty = await settle(
        new Promise<void>((resolve, reject) =>
          c.shell({ term: 'xterm' }, (err, ch) => {
            if (err) return reject(err);
            ch.on('close', () => resolve());
            ch.end();
          }),
        ),
      );
      assert.equal(pty.ok, false, 'no terminal is given (restrict)');

      const sftp = await settle(new Promise<void>((resolve, reject) => c.sftp((err) => (err ? reject(err) : resolve()))));
      assert.equal(sftp.ok, false, 'no sftp');

      const sock = path.join(base, 'db.sock');
      const unix = net.createServer((s) => s.end('UNIX')).listen(sock);
      await new Promise((r) => unix.once('listening', r));
      try {
        const viaSocket = await settle(
          new Promise<ssh2.ClientChannel>((resolve, reject) => c.openssh_forwardOutStreamLocal(sock, (err, ch) => (err ? reject(err) : resolve(ch)))),
        );
        assert.equal(viaSocket.ok, false, 'no Unix socket of the server');
      } finally {
        unix.close();
      }

      for (const [host, port] of [
        ['localhost', 1],
        ['127.0.0.1', await freePort()],
        ['0.0.0.0', await freePort()],
      ] as const) {
        const listen = await settle(new Promise<number>((resolve, reject) => c.forwardIn(host, port, (err, p) => (err ? reject(err) : resolve(p)))));
        assert.equal(listen.ok, false, `listening on ${host}:${port} is refused`);
      }
      // Still allowed afterwards: the refusals did not cost the vendor its connection.
      const payload = Buffer.from('SELECT 1');
      assert.ok((await exchange(await forwardOut(c, db.port), payload)).equals(payload));
    } finally {
      c.end();
      chmodSync(base, 0o711);
    }
  });

  test("--from: only the vendor's addresses may use the key; authorizing it again updates Burrow's entry in place", async () => {
    const as = (from: string) => letIn('--from', from);
    const elsewhere = await as('192.0.2.0/24,198.51.100.7');
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.match(elsewhere.stdout, /^updated QueryCanary – prod/m);
    assert.match(elsewhere.stdout, /only from 192\.0\.2\.0\/24, 198\.51\.100\.7/);
    assert.equal((await settle(vendor())).ok, false, 'this test connects from 127.0.0.1, which is not in the list');
    const here = await as('127.0.0.1');
    assert.equal(here.code, 0, here.stderr);
    const c = await vendor();
    c.end();
    const text = readFileSync(path.join(home, '.ssh', 'authorized_keys'), 'utf8');
    assert.equal(text.match(/ecdsa-sha2-nistp256/g)?.length, 1, 'one entry for the key, not one per call');
    assert.match(text, /from="127\.0\.0\.1" ecdsa-sha2-nistp256/);
  });

  test('refused with the field and the fix: root, a private key, a broken key, a bad --to, a key already there without limits', async () => {
    const as = (args: string[]) => authorize(args, false);
    const root = await as(['--account', 'root', '--to', 'localhost:5432', vendorPub]);
    assert.equal(root.code, 1);
    assert.match(root.stderr, /a vendor's key is never added to root's authorized_keys/);
    assert.match(root.stderr, /fix: Make an account for the vendor/);

    const priv = await as(['--account', account, '--to', 'localhost:5432', vendorKey]);
    assert.equal(priv.code, 1);
    assert.match(priv.stderr, /the public key: is a private key/);

    const cut = await as(['--account', account, '--to', 'localhost:5432', vendorPub.slice(0, 60)]);
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /the public key: the ecdsa-sha2-nistp256 key is cut short/);

    const to = await as(['--account', account, '--to', 'localhost', vendorPub]);
    assert.equal(to.code, 2);
    assert.match(to.stderr, /--to "localhost": give HOST:PORT/);

    const from = await as(['--account', account, '--to', 'localhost:5432', '--from', '1.2.3.4"', vendorPub]);
    assert.equal(from.code, 1);
    assert.match(from.stderr, /--from: "1.2.3.4\\"" is not an address/);

    // The same key on a line of the account's own, before Burrow's: sshd would use that one.
    const file = path.join(home, '.ssh', 'authorized_keys');
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, `${vendorPub}\n${before}`);
    const dup = await as(['--account', account, '--to', 'localhost:5432', vendorPub]);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already on line 1 of .*without Burrow's limits/);
    writeFileSync(file, before);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  test('a symbolic link in place of authorized_keys is refused, and what it points at is left alone', async () => {
    const file = path.join(home, '.ssh', 'authorized_keys');
    const kept = readFileSync(file, 'utf8');
    const victim = path.join(base, 'victim');
    writeFileSync(victim, 'root:x:0:0\n');
    unlinkSync(file);
    symlinkSync(victim, file);
    try {
      const r = await authorize(['--to', 'localhost:5432', vendorPub]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /is a symbolic link/);
      assert.equal(readFileSync(victim, 'utf8'), 'root:x:0:0\n');
    } finally {
      unlinkSync(file);
      writeFileSync(file, kept, { mode: 0o600 });
      execFileSync('chown', [`${account}:`, file]);
    }
  });

  test('--remove takes away its two lines and nothing else; the vendor can no longer log in', async () => {
    const file = path.join(home, '.ssh', 'authorized_keys');
    const r = await authorize(['--remove', 'QueryCanary – prod']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed QueryCanary – prod/);
    assert.equal(readFileSync(file, 'utf8'), '# my own\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl admin@laptop\n');
    assert.equal(lstatSync(file).uid, uid, 'still the account’s file');
    const login = await settle(vendor());
    assert.equal(login.ok, false, 'the key no longer logs in');
    const again = await authorize(['--remove', 'QueryCanary – prod']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no key Burrow authorized/);
  });
});
