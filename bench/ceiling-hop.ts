/**
 * The two ends of the ceiling's hop, each run as its own process by datapath-ceiling.ts:
 *   node ceiling-hop.js receive OUT    listens on 127.0.0.1:0 (prints "port N"), takes one
 *                                      connection, hashes what arrives with SHA-256 and writes it
 *                                      to OUT in 1 MiB writes, fsyncs, prints one JSON line
 *   node ceiling-hop.js send PORT FILE reads FILE and sends it to 127.0.0.1:PORT
 * Writing overlaps receiving: while one 1 MiB buffer is written the next one fills; the socket
 * is paused only when both are full.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';

const MiB = 1024 * 1024;

function receive(out: string): void {
  const server = net.createServer((socket) => {
    server.close();
    const started = process.hrtime.bigint();
    const hash = crypto.createHash('sha256');
    const fd = fs.openSync(out, 'w');
    const spare: Buffer[] = [Buffer.allocUnsafe(MiB)];
    let filling: Buffer = Buffer.allocUnsafe(MiB);
    let filled = 0;
    let bytes = 0;
    let writing = 0;
    let ended = false;
    let reported = false;
    const finish = () => {
      if (!ended || writing > 0 || reported) return;
      reported = true;
      const tail = filled;
      fs.writeSync(fd, filling, 0, tail);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stdout.write(`${JSON.stringify({ ms, bytes, sha256: hash.digest('hex') })}\n`);
    };
    const flush = () => {
      const full = filling;
      writing += 1;
      fs.write(fd, full, 0, MiB, null, (err) => {
        if (err) throw err;
        writing -= 1;
        spare.push(full);
        if (socket.isPaused()) socket.resume();
        finish();
      });
      filling = spare.pop() ?? Buffer.allocUnsafe(MiB);
      filled = 0;
      if (spare.length === 0) socket.pause();
    };
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(MiB - filled, chunk.length - offset);
        chunk.copy(filling, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === MiB) flush();
      }
    });
    socket.on('end', () => {
      ended = true;
      finish();
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`));
}

function send(port: number, file: string): void {
  const socket = net.connect(port, '127.0.0.1', () => fs.createReadStream(file, { highWaterMark: MiB }).pipe(socket));
}

const [role, a, b] = process.argv.slice(2);
if (role === 'receive') receive(a);
else if (role === 'send') send(Number(a), b);
else {
  console.error('usage: ceiling-hop receive OUT | send PORT FILE');
  process.exit(2);
}
