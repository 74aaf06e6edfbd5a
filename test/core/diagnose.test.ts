/**
 * What diagnose reads from whatever answers on the SSH port is bounded (RFC 4253 §4.2: an
 * identification line is at most 255 bytes): a port that streams without end, or line after line,
 * is "not an SSH server" at once, not a buffer that grows until the timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { SessionConfig } from '../../common/config.js';
import { diagnose } from '../../main/core/diagnose.js';

async function server(onConnection: (s: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => {});
    onConnection(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise((r) => {
        for (const s of open) s.destroy();
        srv.close(() => r());
      }),
  };
}

function session(port: number): SessionConfig {
  return {
    id: 's',
    name: 's',
    host: '127.0.0.1',
    port,
    user: 'u',
    auth: { identityFiles: [] },
    hostKey: { policy: 'yes' },
    keepalive: { intervalSeconds: 15, countMax: 3 },
    connectTimeoutSeconds: 20,
    compression: false,
    autostart: false,
    forwards: [],
  };
}

test('a port that streams bytes without a line end fails the TCP step after 255 bytes, long before the timeout', async () => {
  const s = await server((sock) => {
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const pump = (): void => {
      while (!sock.destroyed && sock.write(chunk));
    };
    sock.on('drain', pump);
    pump();
  });
  try {
    const t0 = Date.now();
    const r = await diagnose(session(s.port));
    const tcp = r.steps.find((x) => x.id === 'tcp')!;
    assert.equal(tcp.status, 'fail');
    assert.match(tcp.detail, /answers, but not as an SSH server \(a line longer than 255 bytes\)/);
    assert.ok(Date.now() - t0 < 10_000, 'well inside the 20 s connect timeout');
  } finally {
    await s.close();
  }
});

test('a port that sends line after line without an SSH identification fails after 1024 lines', async () => {
  const s = await server((sock) => {
    const lines = Buffer.from('hello, this is not ssh\r\n'.repeat(100));
    const pump = (): void => {
      while (!sock.destroyed && sock.write(lines));
    };
    sock.on('drain', pump);
    pump();
  });
  try {
    const r = await diagnose(session(s.port));
    assert.match(r.steps.find((x) => x.id === 'tcp')!.detail, /not as an SSH server \(1024 lines without an SSH identification\)/);
  } finally {
    await s.close();
  }
});

test('lines before the identification are allowed, as OpenSSH allows them', async () => {
  // It says its identification, then nothing more: the next step fails, which is not this test's concern.
  const s = await server((sock) => sock.end('Welcome to the bastion\r\nAuthorised use only\r\nSSH-2.0-OpenSSH_9.2\r\n'));
  try {
    const r = await diagnose(session(s.port));
    const tcp = r.steps.find((x) => x.id === 'tcp')!;
    assert.equal(tcp.status, 'pass');
    assert.match(tcp.detail, /the server says SSH-2\.0-OpenSSH_9\.2/);
  } finally {
    await s.close();
  }
});
