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

/** How to replace a placeholder, said wherever one is refused. */
export const REAL_SECRET_HINT =
  'make a real one with `openssl rand -hex 32` (docker-compose: `scripts/init-env.sh` writes a .env with new ones; S3 keys: `p2p s3 keygen`)';

/** A secret left at the placeholder of an example configuration (docker-compose.yml, .env.example, k8s/). */
export class PlaceholderSecretError extends P2pError {
  constructor(readonly flags: string[]) {
    super(`${flags.map((f) => `--${f}`).join(', ')} still ${flags.length > 1 ? 'hold' : 'holds'} a placeholder of the example configuration ("change-me…"): ${REAL_SECRET_HINT}`, 'PLACEHOLDER_SECRET', ExitCode.usage);
  }
}

/** The example configurations' placeholders all start so; no real secret does. */
export function isPlaceholderSecret(value: string): boolean {
  return /^change-?me/i.test(value.trim());
}
