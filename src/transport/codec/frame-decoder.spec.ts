import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, UPFRONT_FRAME_BYTES } from './frame-decoder';
import { encodeFrame } from './frame-encoder';
import { Frame, FrameType } from './frame';
import { FrameTooLargeError, MalformedFrameError } from '../transport.errors';
import { decodeBody, encodeBody } from './body';

const frame = (over: Partial<Frame> = {}): Frame => ({
  type: FrameType.Request,
  correlationId: 7,
  pattern: 'storage.chunk.put',
  body: encodeBody({ hash: 'ab', blob: Buffer.from([1, 2, 3]) }),
  ...over,
});

describe(FrameDecoder.name, () => {
  it('decodes a frame split at every byte boundary', () => {
    const bytes = Buffer.concat([encodeFrame(frame()), encodeFrame(frame({ correlationId: 8, pattern: 'x' }))]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const sut = new FrameDecoder();
      const out = [...sut.push(bytes.subarray(0, cut)), ...sut.push(bytes.subarray(cut))];
      assert.equal(out.length, 2);
      assert.equal(out[0].pattern, 'storage.chunk.put');
      assert.equal(out[1].correlationId, 8);
      assert.equal(sut.hasPartialFrame, false);
    }
  });

  it('reports a partial frame until the rest arrives', () => {
    const sut = new FrameDecoder();
    const bytes = encodeFrame(frame());
    assert.deepEqual(sut.push(bytes.subarray(0, 10)), []);
    assert.equal(sut.hasPartialFrame, true);
    assert.equal(sut.push(bytes.subarray(10)).length, 1);
  });

  it('rejects an oversized length prefix before buffering the body', () => {
    const sut = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1025);
    assert.throws(() => sut.push(head), FrameTooLargeError);
  });

  it('applies a raised limit from the next length prefix on', () => {
    const sut = new FrameDecoder(64);
    const big = encodeFrame(frame({ body: encodeBody({ pad: 'x'.repeat(100) }) }));
    assert.throws(() => new FrameDecoder(64).push(big), FrameTooLargeError);
    sut.maxFrameBytes = 1024;
    assert.equal(sut.push(big).length, 1);
  });

  it('rejects an unknown frame type and a pattern running past the frame', () => {
    const bad = encodeFrame(frame());
    bad.writeUInt8(200, 4);
    assert.throws(() => new FrameDecoder().push(bad), MalformedFrameError);
    const overrun = encodeFrame(frame({ pattern: 'ab', body: Buffer.alloc(0) }));
    overrun.writeUInt16BE(200, 9);
    assert.throws(() => new FrameDecoder().push(overrun), MalformedFrameError);
  });

  it('copies every byte before push returns, so the caller may reuse its buffer', () => {
    const bytes = Buffer.concat([encodeFrame(frame()), encodeFrame(frame({ correlationId: 9, pattern: 'y' }))]);
    const sut = new FrameDecoder();
    const reused = Buffer.alloc(5);
    const out: Frame[] = [];
    for (let at = 0; at < bytes.length; at += reused.length) {
      const n = bytes.copy(reused, 0, at, Math.min(bytes.length, at + reused.length));
      out.push(...sut.push(reused.subarray(0, n)));
      reused.fill(0xee);
    }
    assert.deepEqual(out.map((f) => [f.correlationId, f.pattern]), [[7, 'storage.chunk.put'], [9, 'y']]);
    assert.deepEqual([...(decodeBody(out[0].body) as { blob: Buffer }).blob], [1, 2, 3]);
  });

  it('decodes a frame larger than it allocates up front, split into pieces', () => {
    const blob = Buffer.alloc(UPFRONT_FRAME_BYTES + 1000, 3);
    const bytes = encodeFrame(frame({ body: encodeBody({ hash: 'big', blob }) }));
    const sut = new FrameDecoder();
    const out: Frame[] = [];
    for (let at = 0; at < bytes.length; at += 65536) out.push(...sut.push(bytes.subarray(at, at + 65536)));
    assert.equal(out.length, 1);
    assert.ok((decodeBody(out[0].body) as { blob: Buffer }).blob.equals(blob));
    assert.equal(sut.hasPartialFrame, false);
  });

  it('round-trips a body with a binary payload', () => {
    const [out] = new FrameDecoder().push(encodeFrame(frame()));
    const body = decodeBody(out.body) as { hash: string; blob: Buffer };
    assert.equal(body.hash, 'ab');
    assert.deepEqual([...body.blob], [1, 2, 3]);
  });

  it('refuses to encode what the decoder would refuse', () => {
    assert.throws(() => encodeFrame(frame({ body: Buffer.alloc(2048) }), 1024), FrameTooLargeError);
  });
});
