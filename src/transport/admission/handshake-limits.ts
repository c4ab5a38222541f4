/**
 * What an unauthenticated connection may send: the handshake frames (Hello, HelloReply,
 * HelloAccept, HelloReject) are JSON of well under 1 KiB, so 8 KiB leaves room for the fields
 * a protocol version may add while keeping what a socket that never authenticates can make
 * a node buffer to 8 KiB, against 8 MiB (the frame limit) before.
 *
 * The limit is raised after the frame that completes the handshake has been handled. Bytes
 * that arrived in the same read as that frame were already decoded under the small limit, so a
 * peer must not send a larger frame before it has seen the handshake finish (ours never does:
 * a client waits for HelloAccept, a server only answers requests).
 */
export const HANDSHAKE_MAX_FRAME_BYTES = 8 * 1024;
