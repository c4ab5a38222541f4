import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder } from '../../src/transport/codec/frame-decoder';
import { encodeFrame } from '../../src/transport/codec/frame-encoder';
import { FrameType } from '../../src/transport/codec/frame';
import { decodeBody, encodeBody } from '../../src/transport/codec/body';
import { P2pError } from '../../src/common/errors';

const MAX = 64 * 1024;

describe('FrameDecoder under random input', () => {
  it('turns any bytes into frames or a typed error, never a crash, never over the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 20 }), (chunks) => {
        const sut = new FrameDecoder(MAX);
        try {
          for (const c of chunks) {
            for (const f of sut.push(Buffer.from(c))) {
              assert.ok(f.body.length <= MAX);
              try {
                decodeBody(f.body);
              } catch (err) {
                assert.ok(err instanceof P2pError, `body error is typed: ${String(err)}`);
              }
            }
          }
        } catch (err) {
          assert.ok(err instanceof P2pError, `decoder error is typed: ${String(err)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('recovers every valid frame however the stream is split', () => {
    const frameArb = fc.record({
      type: fc.constantFrom(FrameType.Request, FrameType.Response, FrameType.Event),
      correlationId: fc.nat(),
      pattern: fc.string({ maxLength: 40 }),
      value: fc.jsonValue({ maxDepth: 3 }),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat({ max: 4096 }), { maxLength: 10 }), (frames, cuts) => {
        const bytes = Buffer.concat(frames.map((f) => encodeFrame({ type: f.type, correlationId: f.correlationId, pattern: f.pattern, body: encodeBody(f.value) })));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const sut = new FrameDecoder();
        const out = [];
        let prev = 0;
        for (const p of [...points, bytes.length]) {
          out.push(...sut.push(bytes.subarray(prev, p)));
          prev = p;
        }
        assert.equal(out.length, frames.length);
        out.forEach((f, i) => {
          assert.equal(f.pattern, frames[i].pattern);
          assert.equal(f.correlationId, frames[i].correlationId);
          assert.deepEqual(decodeBody(f.body), JSON.parse(JSON.stringify(frames[i].value ?? null)));
        });
      }),
      { numRuns: 300 },
    );
  });
});
