/** Configuration refused at start for safety, not for syntax (that is InvalidInputError). */
import { ExitCode, P2pError } from '../common/errors';

/** A listener on a non-loopback interface of a node that has no cluster secret. */
export class InsecureBindError extends P2pError {
  constructor(readonly listeners: string[]) {
    super(
      `${listeners.join(', ')} would accept connections from other hosts with no cluster secret: ` +
        'set --cluster-secret (make one with `openssl rand -hex 32`), bind 127.0.0.1, ' +
        'or pass --insecure-open-cluster to run an open cluster on the network',
      'INSECURE_BIND',
      ExitCode.usage,
    );
  }
}
