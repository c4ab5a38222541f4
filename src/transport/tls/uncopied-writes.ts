/**
 * Keeps a TLS socket from copying a chunk before it encrypts it.
 *
 * A frame leaves as one gathered write (its header and its payload, corked: see
 * PeerConnection.sendFrame). On a plain socket that is one writev with no copy. Node's TLS
 * socket instead copies every buffer of a gathered write into one new buffer before its
 * SSL_write, so each 1 MiB chunk sent over TLS cost a 1 MiB copy: a tenth of a holder's CPU
 * while it served a get, more than the kernel's own copy into the socket.
 *
 * Here a gathered write is split: runs of small buffers are joined (a copy of a few bytes;
 * they stay one TLS record) and each large buffer is written alone, which Node hands to
 * OpenSSL as it is. The writes run one after the other, so the order on the wire is unchanged,
 * and the gathered write completes when the last of them has.
 */
import * as net from 'node:net';

/** A buffer at least this large is written alone (a TLS record holds 16 KiB). */
const ALONE_BYTES = 16 * 1024;

type Callback = (err?: Error | null) => void;
interface BufferedWrite {
  chunk: Buffer | string;
  encoding: BufferEncoding;
}
/** The Writable hooks net.Socket implements (documented for stream implementers). */
interface WritableHooks {
  _write(chunk: Buffer | string, encoding: string, cb: Callback): void;
  _writev?: (chunks: BufferedWrite[], cb: Callback) => void;
}

export function writeLargeBuffersAlone(socket: net.Socket): void {
  const hooks = socket as unknown as WritableHooks;
  const gathered = hooks._writev!.bind(socket);
  hooks._writev = (chunks, cb) => {
    if (!chunks.some((c) => c.chunk.length >= ALONE_BYTES)) return gathered(chunks, cb);
    const writes = splitWrites(chunks);
    let next = 0;
    const step: Callback = (err) => {
      if (err || next === writes.length) return cb(err);
      hooks._write(writes[next++], 'buffer', step);
    };
    step();
  };
}

/** Consecutive small buffers joined into one, each large one alone, in order. */
export function splitWrites(chunks: BufferedWrite[]): Buffer[] {
  const writes: Buffer[] = [];
  let small: Buffer[] = [];
  const flushSmall = () => {
    if (small.length > 0) writes.push(small.length === 1 ? small[0] : Buffer.concat(small));
    small = [];
  };
  for (const { chunk, encoding } of chunks) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
    if (buffer.length < ALONE_BYTES) small.push(buffer);
    else {
      flushSmall();
      writes.push(buffer);
    }
  }
  flushSmall();
  return writes;
}
