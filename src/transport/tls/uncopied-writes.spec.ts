import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { ephemeralNodeKey } from './node-key';
import { splitWrites, writeLargeBuffersAlone } from './uncopied-writes';

const buffered = (...chunks: Buffer[]) => chunks.map((chunk) => ({ chunk, encoding: 'buffer' as BufferEncoding }));

describe('writes of large buffers over TLS', { timeout: 20_000 }, () => {
  it('joins runs of small buffers and keeps each large one as it is, in order', () => {
    const [a, b, big, c, huge] = [Buffer.from('ab'), Buffer.from('cd'), randomBytes(64 * 1024), Buffer.from('e'), randomBytes(1024 * 1024)];
    const writes = splitWrites(buffered(a, b, big, c, huge));
    assert.equal(writes.length, 4);
    assert.deepEqual(writes[0], Buffer.from('abcd'));
    assert.equal(writes[1], big); // the same buffer: not copied
    assert.deepEqual(writes[2], Buffer.from('e'));
    assert.equal(writes[3], huge);
  });

  it('hands a corked large buffer to TLS alone, and the peer reads every byte in order', async () => {
    const { key, cert } = ephemeralNodeKey();
    const received: Buffer[] = [];
    const done = new Promise<Buffer>((resolve) => {
      const server = tls.createServer({ key, cert, minVersion: 'TLSv1.3' }, (socket) => {
        socket.on('data', (d: Buffer) => received.push(d));
        socket.on('end', () => {
          server.close();
          resolve(Buffer.concat(received));
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3' }, () => {
          const hooks = socket as unknown as { _write: (chunk: Buffer, encoding: string, cb: () => void) => void };
          const original = hooks._write.bind(socket);
          handed = [];
          hooks._write = (chunk, encoding, cb) => {
            handed.push(chunk);
            original(chunk, encoding, cb);
          };
          writeLargeBuffersAlone(socket);
          socket.cork();
          for (const part of parts) socket.write(part);
          socket.uncork();
          socket.end();
        });
      });
    });
    const parts = [Buffer.from('head'), Buffer.from('er'), randomBytes(1024 * 1024), Buffer.from('tail')];
    let handed: Buffer[] = [];
    assert.deepEqual(await done, Buffer.concat(parts));
    assert.ok(handed.includes(parts[2]), 'the 1 MiB buffer reached the TLS socket without a copy');
    assert.ok(handed.some((h) => h.equals(Buffer.from('header'))), 'the small buffers before it went as one write');
  });
});
