/** A minimal SOCKS client written from RFC 1928 / the SOCKS4(a) notes, to drive our SOCKS servers. */
import net from 'node:net';
import { once } from 'node:events';

export type SocksFlavour = 'socks4' | 'socks4a' | 'socks5' | 'socks5-name';

/** Opens host:port through the SOCKS server at proxyPort; resolves with the ready socket. */
export async function socksConnect(proxyPort: number, flavour: SocksFlavour, host: string, port: number): Promise<net.Socket> {
  const sock = net.connect(proxyPort, '127.0.0.1');
  await once(sock, 'connect');
  const read = async (n: number): Promise<Buffer> => {
    let buf = Buffer.alloc(0);
    while (buf.length < n) {
      const chunk = sock.read() as Buffer | null;
      if (chunk) {
        buf = Buffer.concat([buf, chunk]);
        continue;
      }
      await Promise.race([
        once(sock, 'readable'),
        once(sock, 'close').then(() => {
          throw new Error('SOCKS server closed the connection');
        }),
      ]);
    }
    if (buf.length > n) sock.unshift(buf.subarray(n));
    return buf.subarray(0, n);
  };
  const portBuf = Buffer.alloc(2);
  portBuf.writeUInt16BE(port);
  if (flavour === 'socks4' || flavour === 'socks4a') {
    const ip = flavour === 'socks4' ? host.split('.').map(Number) : [0, 0, 0, 1];
    const tail = flavour === 'socks4a' ? Buffer.concat([Buffer.from(host), Buffer.from([0])]) : Buffer.alloc(0);
    sock.write(Buffer.concat([Buffer.from([4, 1]), portBuf, Buffer.from(ip), Buffer.from('user\0'), tail]));
    const reply = await read(8);
    if (reply[1] !== 0x5a) {
      sock.destroy();
      throw new Error(`SOCKS4 request rejected (${reply[1]})`);
    }
    return sock;
  }
  sock.write(Buffer.from([5, 1, 0]));
  const choice = await read(2);
  if (choice[1] !== 0) {
    sock.destroy();
    throw new Error('SOCKS5 method refused');
  }
  const addr =
    flavour === 'socks5'
      ? Buffer.concat([Buffer.from([1]), Buffer.from(host.split('.').map(Number))])
      : Buffer.concat([Buffer.from([3, host.length]), Buffer.from(host)]);
  sock.write(Buffer.concat([Buffer.from([5, 1, 0]), addr, portBuf]));
  const reply = await read(10);
  if (reply[1] !== 0) {
    sock.destroy();
    throw new Error(`SOCKS5 request failed (${reply[1]})`);
  }
  return sock;
}

/** Writes `text` on `sock` and resolves with the same number of bytes read back. */
export async function echoThrough(sock: net.Socket, text: string): Promise<string> {
  const want = Buffer.byteLength(text);
  const chunks: Buffer[] = [];
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= want) resolve();
    });
    sock.once('close', () => reject(new Error(`closed after ${got} bytes`)));
  });
  sock.write(text);
  await done;
  return Buffer.concat(chunks).toString();
}
