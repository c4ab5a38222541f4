/**
 * A seeded generator of hostile frames for fuzzing a live node: random bytes behind lying
 * length prefixes, headers with unknown types and lying pattern lengths, oversized length
 * prefixes, bodies that are not bodies, truncated frames, and well-framed requests, events and
 * answers with random patterns and JSON. `malformed` frames must close their connection;
 * `wellFramed` ones must not (the node answers with an error or drops them), which is how a
 * fuzz run tells "only the offending connection closed" from a node that drops good ones.
 * The same seed gives the same frames, so a failure is replayed with P2P_FUZZ_SEED.
 */
import { encodeFrame } from '../../src/transport/codec/frame-encoder';
import { FrameType, MAX_PATTERN_BYTES } from '../../src/transport/codec/frame';
import { encodeBody } from '../../src/transport/codec/body';

export type HostileKind =
  | 'random-bytes'
  | 'bad-header'
  | 'oversized'
  | 'bad-body'
  | 'truncated'
  | 'bad-hello'
  | 'handshake-again'
  | 'random-request'
  | 'random-event'
  | 'random-answer';

export interface HostileFrame {
  kind: HostileKind;
  bytes: Buffer;
  /** A truncated frame: the sender ends its side after it (the node would otherwise wait for the rest). */
  endAfter?: boolean;
}

/**
 * Patterns a member may send that change nothing a test relies on: reads, and writes whose
 * random bodies cannot pass their checks (a chunk put needs its hash, a tombstone or an abort
 * a well-formed version, which random strings are not).
 * Left out: client.store.begin (it would hold upload slots a normal client needs) and
 * client.delete (it would delete).
 */
export const MEMBER_PATTERNS = [
  'storage.manifest.get',
  'storage.manifest.chunks',
  'storage.manifest.stage',
  'storage.manifest.commit',
  'storage.manifest.commitMany',
  'storage.manifest.abort',
  'storage.manifest.settle',
  'storage.chunk.get',
  'storage.chunk.getMany',
  'storage.chunk.put',
  'storage.chunk.putMany',
  'storage.chunk.missing',
  'storage.chunk.release',
  'storage.sync.digest',
  'storage.sync.reports',
  'storage.sync.offer',
  'storage.keys.page',
  'storage.tombstone.apply',
  'storage.verify',
  'gossip.swim',
];

/** What a client may send (anything else closes a client connection), less begin and delete. */
export const CLIENT_PATTERNS = ['client.get.manifest', 'client.get.chunk', 'client.get.chunks', 'client.inspect', 'client.store.chunk', 'client.store.commit', 'client.store.abort'];

const FIELD_NAMES = ['key', 'hash', 'type', 'from', 'to', 'digests', 'version', 'incarnation', 'members', 'uploadId', 'index', 'after', 'limit', '__proto__', 'constructor'];

export class HostileFrames {
  constructor(private readonly random: () => number) {}

  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE((this.random() * 2 ** 32) >>> 0, i);
    for (; i < n; i++) b[i] = this.int(256);
    return b;
  }

  private json(depth = 0): unknown {
    switch (this.int(depth > 2 ? 6 : 9)) {
      case 0:
        return [0, -1, 2 ** 53, -(2 ** 63), 1e308, 0.5, Number.MAX_SAFE_INTEGER][this.int(7)];
      case 1:
        return this.int(2 ** 31) - 2 ** 30;
      case 2:
        return this.bytes(this.int(24)).toString('latin1');
      case 3:
        return ['', '~', '../../etc/passwd', 'kept', '0'.repeat(64), 'x'.repeat(4096)][this.int(6)];
      case 4:
        return null;
      case 5:
        return this.random() < 0.5;
      case 6:
        // Deeply nested: a parser or handler that recurses must not take the node down.
        return this.random() < 0.05 ? JSON.parse('['.repeat(3000) + ']'.repeat(3000)) : Array.from({ length: this.int(5) }, () => this.json(depth + 1));
      default:
        return Object.fromEntries(Array.from({ length: this.int(6) }, () => [FIELD_NAMES[this.int(FIELD_NAMES.length)], this.json(depth + 1)]));
    }
  }

  /** A body: random JSON, sometimes with a binary payload (the `blob` field). */
  private body(): Buffer {
    const value = this.json();
    if (this.random() < 0.1 && value && typeof value === 'object' && !Array.isArray(value)) {
      return encodeBody({ ...value, blob: this.bytes(this.int(4096)) });
    }
    return encodeBody(value);
  }

  private pattern(known: readonly string[]): string {
    if (this.random() < 0.6) return known[this.int(known.length)];
    return this.random() < 0.9 ? this.bytes(this.int(40)).toString('hex') : this.bytes(this.int(MAX_PATTERN_BYTES / 2)).toString('latin1');
  }

  /**
   * A frame the node must close the connection over. `limit` is the frame size limit in force
   * (8 KiB before the handshake); `handshakeDone` picks the protocol step the node expects.
   */
  malformed(limit: number, handshakeDone: boolean): HostileFrame {
    switch (this.int(6)) {
      case 0: {
        // Random bytes behind a length prefix too large for the limit or too short for a header.
        const bytes = this.bytes(4 + this.int(2048));
        bytes.writeUInt32BE(this.random() < 0.5 ? limit + 1 + this.int(2 ** 20) : this.int(7), 0);
        return { kind: 'random-bytes', bytes };
      }
      case 1: {
        // An unknown frame type, or a pattern length that runs past the frame.
        const frame = encodeFrame({ type: FrameType.Request, correlationId: this.int(2 ** 32), pattern: '', body: this.bytes(this.int(64)) });
        if (this.random() < 0.5) frame.writeUInt8([0, 10, 11, 200, 255][this.int(5)], 4);
        else frame.writeUInt16BE(frame.length + this.int(1000), 9);
        return { kind: 'bad-header', bytes: frame };
      }
      case 2: {
        const bytes = this.bytes(4 + this.int(4096));
        bytes.writeUInt32BE(Math.min(2 ** 32 - 1, limit + 1 + this.int(2 ** 31)), 0);
        return { kind: 'oversized', bytes };
      }
      case 3: {
        // A well-framed frame whose body is not a body: a JSON length that does not fit, or bad JSON.
        const body = this.bytes(4 + this.int(256));
        body.writeUInt32BE(this.random() < 0.5 ? body.length + this.int(1000) : body.length - 4, 0);
        if (body.length > 5) body.write('{\u0000', 4, 'latin1'); // never valid JSON
        const type = handshakeDone ? (this.random() < 0.5 ? FrameType.Request : FrameType.Event) : FrameType.HelloReply;
        const pattern = handshakeDone ? this.pattern(MEMBER_PATTERNS) : '';
        return { kind: 'bad-body', bytes: encodeFrame({ type, correlationId: 1 + this.int(1000), pattern, body }) };
      }
      case 4: {
        const type = handshakeDone ? FrameType.Request : FrameType.HelloReply;
        const full = encodeFrame({ type, correlationId: 1, pattern: handshakeDone ? this.pattern(MEMBER_PATTERNS) : '', body: this.body() });
        return { kind: 'truncated', bytes: full.subarray(0, 1 + this.int(full.length - 1)), endAfter: true };
      }
      default: {
        if (handshakeDone) {
          // A handshake frame once the handshake is over.
          const type = [FrameType.Hello, FrameType.HelloReply, FrameType.HelloAccept, FrameType.HelloReject][this.int(4)];
          return { kind: 'handshake-again', bytes: encodeFrame({ type, correlationId: 0, pattern: '', body: this.body() }) };
        }
        // A handshake reply (or another frame type) with random content, under the size limit.
        const type = this.random() < 0.7 ? FrameType.HelloReply : 1 + this.int(9);
        let body = this.body();
        if (body.length > limit - 300) body = encodeBody(null);
        return { kind: 'bad-hello', bytes: encodeFrame({ type, correlationId: this.int(2 ** 32), pattern: this.random() < 0.8 ? '' : this.pattern(MEMBER_PATTERNS), body }) };
      }
    }
  }

  /**
   * A well-formed frame with random content on an authenticated connection: the node answers
   * it (with an error, mostly) or drops it, and keeps the connection. `patterns`: those this
   * role may send; a client sends no events (the node would close it for one).
   */
  wellFramed(patterns: readonly string[], events: boolean): HostileFrame {
    const roll = this.random();
    if (roll < 0.05) {
      // An answer to a request the node never made: dropped.
      const type = this.random() < 0.5 ? FrameType.Response : FrameType.ErrorResponse;
      return { kind: 'random-answer', bytes: encodeFrame({ type, correlationId: this.int(2 ** 32), pattern: '', body: this.body() }) };
    }
    const event = events && roll < 0.3;
    const bytes = encodeFrame({
      type: event ? FrameType.Event : FrameType.Request,
      // Above the ids our own PeerConnection gives its requests, so these answers settle nothing.
      correlationId: event ? 0 : 2 ** 31 + this.int(2 ** 31 - 1),
      pattern: events ? this.pattern(patterns) : patterns[this.int(patterns.length)],
      body: this.body(),
    });
    return { kind: event ? 'random-event' : 'random-request', bytes };
  }
}
