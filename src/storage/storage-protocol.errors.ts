import { ExitCode, P2pError } from '../common/errors';

/** A client or peer broke the store protocol (chunk order, sizes). */
export class StorageProtocolError extends P2pError {
  constructor(detail: string) {
    super(`store protocol violation: ${detail}`, 'STORAGE_PROTOCOL', ExitCode.failure);
  }
}

/** This node, or this client on it, has as many uploads open as it takes (each holds memory). */
export class TooManyUploadsError extends P2pError {
  constructor(open: number, limit: number, who: string) {
    super(`${who} has ${open} uploads open, the most allowed (${limit}); finish or abort one, or try again shortly`, 'TOO_MANY_UPLOADS', ExitCode.unavailable);
  }
}

/** The upload id is unknown here (expired, aborted or never begun on this node). */
export class UploadNotFoundError extends P2pError {
  constructor(uploadId: string) {
    super(`upload ${uploadId} is not in progress on this node`, 'UPLOAD_NOT_FOUND', ExitCode.failure);
  }
}
