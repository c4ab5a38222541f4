/**
 * Failures of the S3 endpoint. Each carries the S3 error code clients branch on and its HTTP
 * status (the table below is the one S3 documents); the router turns them into the XML error
 * body. Failures of the layers below are mapped in toS3Error, so nothing leaks out as a 500
 * unless it really is one.
 */
import { ExitCode, P2pError } from '../common/errors';
import { FileNotFoundError, InvalidKeyError, QuorumNotReachedError, SupersededError } from '../storage/storage.errors';

export const S3_STATUS = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidPart: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  KeyTooLongError: 400,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NotImplemented: 501,
  OperationAborted: 409,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
} as const;

export type S3ErrorCode = keyof typeof S3_STATUS;

/** One S3 failure: `s3Code` is the code in the XML body, `status` the HTTP status. */
export class S3Error extends P2pError {
  readonly status: number;

  constructor(readonly s3Code: S3ErrorCode, message: string) {
    super(message, `S3_${s3Code.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c).toUpperCase()}`, exitCodeFor(S3_STATUS[s3Code]));
    this.status = S3_STATUS[s3Code];
  }
}

function exitCodeFor(status: number) {
  if (status === 404) return ExitCode.notFound;
  if (status === 403) return ExitCode.refused;
  if (status === 409 || status === 412) return ExitCode.conflict;
  if (status >= 500) return ExitCode.unavailable;
  return ExitCode.usage;
}

/** Maps what the storage layer throws onto S3's codes. */
export function toS3Error(err: unknown, context: { bucket?: string; key?: string } = {}): S3Error {
  if (err instanceof S3Error) return err;
  if (err instanceof FileNotFoundError) return new S3Error('NoSuchKey', `The specified key does not exist: ${context.key ?? ''}`);
  if (err instanceof InvalidKeyError) return new S3Error('InvalidArgument', err.message);
  if (err instanceof QuorumNotReachedError) return new S3Error('ServiceUnavailable', err.message);
  if (err instanceof SupersededError) return new S3Error('PreconditionFailed', err.message);
  if (err instanceof P2pError && (err.exitCode === ExitCode.unavailable || err.exitCode === ExitCode.quorum)) return new S3Error('ServiceUnavailable', err.message);
  if (err instanceof P2pError && err.exitCode === ExitCode.integrity) return new S3Error('InternalError', err.message);
  return new S3Error('InternalError', err instanceof Error ? err.message.split('\n')[0] : String(err));
}
