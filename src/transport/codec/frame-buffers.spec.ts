import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME_SLAB_BYTES, SLAB_MIN_FRAME_BYTES, awaitsSend, frameBuffer, frameBufferSent, idleFrameBuffers, releaseFrameBuffer, releaseWhenSent } from './frame-buffers';
import { FrameDecoder } from './frame-decoder';
import { encodeFrame } from './frame-encoder';
import { FrameType } from './frame';
import { decodeBody, encodeBody } from './body';

const MiB = 1024 * 1024;

/** Takes every idle slab out of the pool, so each test starts from an empty one. */
function drain(): void {
  const held: Buffer[] = [];
  while (idleFrameBuffers() > 0) held.push(frameBuffer(FRAME_SLAB_BYTES));
}

describe('frame buffers', () => {
  it('gives small frames ordinary buffers and never takes them back', () => {
    drain();
    const small = frameBuffer(SLAB_MIN_FRAME_BYTES - 1);
    assert.equal(small.length, SLAB_MIN_FRAME_BYTES - 1);
    releaseFrameBuffer(small);
    assert.equal(idleFrameBuffers(), 0);
  });

  it('reuses a released slab for the next large frame, and takes each back only once', () => {
    drain();
    const first = frameBuffer(MiB);
    releaseFrameBuffer(first.subarray(100, 200)); // any view of the frame gives it back
    releaseFrameBuffer(first);
    assert.equal(idleFrameBuffers(), 1);
    const second = frameBuffer(MiB + 10);
    assert.equal(second.buffer, first.buffer);
    assert.equal(second.length, MiB + 10);
    assert.equal(idleFrameBuffers(), 0);
  });

  it('ignores buffers it did not hand out', () => {
    drain();
    releaseFrameBuffer(Buffer.allocUnsafeSlow(FRAME_SLAB_BYTES));
    releaseFrameBuffer(Buffer.alloc(MiB));
    assert.equal(idleFrameBuffers(), 0);
  });

  it('takes back a handed-over buffer only once it was sent', () => {
    drain();
    const chunk = frameBuffer(MiB).subarray(64);
    frameBufferSent(chunk); // sent, but its holder did not hand it over: kept
    assert.equal(idleFrameBuffers(), 0);
    assert.equal(awaitsSend(chunk), false);
    releaseWhenSent(chunk);
    assert.equal(awaitsSend(chunk), true);
    assert.equal(idleFrameBuffers(), 0);
    frameBufferSent(chunk);
    assert.equal(idleFrameBuffers(), 1);
  });

  it('refuses a length beyond one slab', () => {
    assert.throws(() => frameBuffer(FRAME_SLAB_BYTES + 1), RangeError);
  });

  it('lets the decoder receive consecutive 1 MiB chunks into one slab when each is released', () => {
    drain();
    const decoder = new FrameDecoder();
    const slabs = new Set<ArrayBufferLike>();
    for (let i = 0; i < 5; i++) {
      const blob = Buffer.alloc(MiB, i);
      const [frame] = decoder.push(encodeFrame({ type: FrameType.Response, correlationId: i + 1, pattern: '', body: encodeBody({ blob }) }));
      const got = (decodeBody(frame.body) as { blob: Buffer }).blob;
      assert.ok(got.equals(blob), `chunk ${i} intact`);
      slabs.add(got.buffer);
      releaseFrameBuffer(got);
    }
    assert.equal(slabs.size, 1);
  });
});
