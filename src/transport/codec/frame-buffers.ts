/**
 * Buffers that received frames are decoded into (and that chunks are read from disk into),
 * recycled by whoever consumed them.
 *
 * A get or a store moves a 1 MiB chunk per frame. A fresh 1 MiB buffer for each one costs
 * page faults on every first touch, and V8 counts the memory as external and runs a full
 * garbage collection every few dozen chunks. A consumer that is done with a chunk's bytes
 * (written to disk, hashed, copied to a socket) gives its buffer back with `releaseFrameBuffer`
 * and the next frame reuses it.
 *
 * Giving a buffer back is a promise that nothing refers to it any more: the next frame
 * overwrites it. Only buffers this module handed out are taken back, each once; anything else
 * is left to the garbage collector, as is any buffer nobody gives back.
 */

/** One slab holds the largest frame received in one piece (one 1 MiB chunk and its header). */
export const FRAME_SLAB_BYTES = 1024 * 1024 + 64 * 1024;
/**
 * Frames smaller than this come from Node's ordinary allocator: control and gossip messages (a
 * 1,000-member push-pull is about 90 KB), and small files, which would waste most of a slab.
 */
export const SLAB_MIN_FRAME_BYTES = 256 * 1024;
/** Slabs kept for reuse: enough for the chunks a client keeps in flight (8.5 MiB at most). */
const KEEP = 8;

const free: ArrayBuffer[] = [];
/** Slabs handed out and not yet given back. */
const lent = new WeakSet<ArrayBuffer>();
/** Slabs whose holder handed them to the transport to be given back once sent. */
const handedOver = new WeakSet<ArrayBuffer>();

/** A buffer of `length` bytes (at most FRAME_SLAB_BYTES), contents undefined. */
export function frameBuffer(length: number): Buffer {
  if (length > FRAME_SLAB_BYTES) throw new RangeError(`a frame buffer holds at most ${FRAME_SLAB_BYTES} bytes, not ${length}`);
  if (length < SLAB_MIN_FRAME_BYTES) return Buffer.allocUnsafe(length);
  const slab = free.pop() ?? (Buffer.allocUnsafeSlow(FRAME_SLAB_BYTES).buffer as ArrayBuffer);
  lent.add(slab);
  return Buffer.from(slab, 0, length);
}

/** Gives back the buffer behind `view` (a frame, or any part of one) for the next frame. */
export function releaseFrameBuffer(view: Uint8Array): void {
  const slab = view.buffer;
  if (!(slab instanceof ArrayBuffer) || !lent.has(slab)) return;
  lent.delete(slab);
  handedOver.delete(slab); // a mark left from a send that never happened must not outlive the loan
  if (free.length < KEEP) free.push(slab);
}

/**
 * For a buffer that is passed on and then never touched again (a chunk a node relays to its
 * client): the transport gives it back once the socket has taken its bytes (`frameBufferSent`).
 */
export function releaseWhenSent(view: Uint8Array): void {
  if (view.buffer instanceof ArrayBuffer && lent.has(view.buffer)) handedOver.add(view.buffer);
}

/** Whether the transport must call `frameBufferSent` once `view` is written. */
export function awaitsSend(view: Uint8Array): boolean {
  return view.buffer instanceof ArrayBuffer && handedOver.has(view.buffer);
}

/** Called by the transport when a part of an outgoing frame has been written to its socket. */
export function frameBufferSent(view: Uint8Array): void {
  if (view.buffer instanceof ArrayBuffer && handedOver.delete(view.buffer)) releaseFrameBuffer(view);
}

/** Slabs waiting for reuse (for tests). */
export function idleFrameBuffers(): number {
  return free.length;
}
