import { ExitCode, P2pError } from '../common/errors';

/** A frame header announced more bytes than the protocol allows. */
export class FrameTooLargeError extends P2pError {
  constructor(readonly length: number, readonly max: number) {
    super(`frame of ${length} bytes exceeds the ${max}-byte limit`, 'FRAME_TOO_LARGE', ExitCode.failure);
  }
}

/** A message whose JSON part is over the body limit: refused before anything is sent. */
export class BodyTooLargeError extends P2pError {
  constructor(readonly length: number, readonly max: number) {
    super(`message JSON of ${length} bytes exceeds the ${max}-byte limit`, 'BODY_TOO_LARGE', ExitCode.failure);
  }
}

/**
 * A handler's reply did not fit one frame: the caller gets this error response instead, and the
 * connection stays open (a reply that can grow with the store is paged by its protocol).
 */
export class ReplyTooLargeError extends P2pError {
  constructor(readonly pattern: string, detail: string) {
    super(`reply to "${pattern}" is too large to send (${detail})`, 'REPLY_TOO_LARGE', ExitCode.failure);
  }
}

/** Bytes that do not parse as a frame or as a frame's body. */
export class MalformedFrameError extends P2pError {
  constructor(detail: string) {
    super(`malformed frame: ${detail}`, 'MALFORMED_FRAME', ExitCode.failure);
  }
}

/** The peer failed or refused the handshake (version, cluster id or cluster secret). */
export class HandshakeFailedError extends P2pError {
  constructor(readonly reason: string, readonly peer?: string) {
    super(`handshake refused${peer ? ` by ${peer}` : ''}: ${reason}`, 'HANDSHAKE_FAILED', ExitCode.refused);
  }
}

/** A request got no answer before its deadline. */
export class PeerTimeoutError extends P2pError {
  constructor(readonly peer: string, readonly pattern: string, readonly timeoutMs: number) {
    super(`${peer} did not answer ${pattern} within ${timeoutMs} ms`, 'PEER_TIMEOUT', ExitCode.unavailable);
  }
}

/** The connection could not be opened or was lost before an answer arrived. */
export class PeerUnreachableError extends P2pError {
  constructor(readonly peer: string, readonly reason: string) {
    super(`cannot reach ${peer}: ${reason}`, 'PEER_UNREACHABLE', ExitCode.unavailable);
  }
}

/** Too many bytes queued on one connection: the peer is not reading. */
export class SendBufferFullError extends P2pError {
  constructor(readonly peer: string, readonly queuedBytes: number) {
    super(`send buffer to ${peer} is full (${queuedBytes} bytes queued)`, 'SEND_BUFFER_FULL', ExitCode.unavailable);
  }
}

/** No handler for the pattern a peer asked for. */
export class UnknownPatternError extends P2pError {
  constructor(readonly pattern: string) {
    super(`no handler for pattern "${pattern}"`, 'UNKNOWN_PATTERN', ExitCode.failure);
  }
}

/**
 * An error the remote handler raised, carried back over the wire with its stable code,
 * so callers can branch on `code` and the CLI can keep the original exit code.
 */
export class RemoteError extends P2pError {
  constructor(code: string, message: string, exitCode: number) {
    super(message, code, (exitCode as P2pError['exitCode']) ?? ExitCode.failure);
  }
}

/** The node's key file cannot be read, is not a private key, or cannot be written. */
export class NodeKeyError extends P2pError {
  constructor(readonly file: string, detail: string) {
    super(`node key ${file}: ${detail}`, 'NODE_KEY', ExitCode.failure);
  }
}

/** A client connection asked for something only cluster members may do. */
export class ClientNotAllowedError extends P2pError {
  constructor(readonly pattern: string) {
    super(`"${pattern}" is not a client operation: a client connection may only store, get, delete, list and inspect`, 'CLIENT_NOT_ALLOWED', ExitCode.refused);
  }
}

/** A node other than the one a request was meant for answered at its address (replaced there). */
export class PeerIdentityMismatchError extends P2pError {
  constructor(readonly address: string, readonly expected: string, readonly actual: string) {
    super(`node ${actual.slice(0, 8)} answered at ${address}, not the expected ${expected.slice(0, 8)}`, 'PEER_IDENTITY_MISMATCH', ExitCode.unavailable);
  }
}
