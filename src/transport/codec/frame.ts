/**
 * The frame: the unit of everything sent between nodes (and between a CLI client and a node).
 *
 *   [u32 BE length N] [N bytes: u8 type | u32 BE correlation id | u16 BE pattern length | pattern UTF-8 | body]
 *
 * `length` counts everything after itself. The first frame each side sends is a handshake
 * frame; the body of every other frame is a message body (see body.ts).
 */
export enum FrameType {
  /** Server -> client on accept: identity and a challenge nonce. */
  Hello = 1,
  /** Client -> server: identity, role and proof of the cluster secret. */
  HelloReply = 2,
  /** Server -> client: handshake accepted, with the server's own proof. */
  HelloAccept = 3,
  /** Either side: handshake refused, with a reason; the connection closes after it. */
  HelloReject = 4,
  Request = 5,
  Response = 6,
  ErrorResponse = 7,
  Event = 8,
  /**
   * Either side, after the handshake: send no new request on this connection; the sender
   * closes it once the requests already sent are answered (a keyring entry was removed).
   */
  GoAway = 9,
}

export interface Frame {
  type: FrameType;
  /** Pairs a Response/ErrorResponse with its Request; 0 for events and handshake frames. */
  correlationId: number;
  /** The message pattern ("storage.chunk.put"); empty for handshake and response frames. */
  pattern: string;
  body: Buffer;
}

export const LENGTH_PREFIX_BYTES = 4;
/** type + correlation id + pattern length */
export const FRAME_HEADER_BYTES = 1 + 4 + 2;
/** Chunks are 1 MiB; 8 MiB leaves room for any body we send and bounds what a peer can make us buffer. */
export const DEFAULT_MAX_FRAME_BYTES = 8 * 1024 * 1024;
export const MAX_PATTERN_BYTES = 256;

export function isKnownFrameType(value: number): value is FrameType {
  return value >= FrameType.Hello && value <= FrameType.GoAway;
}
