/**
 * SIGHUP reads --cluster-secret-file and --api-token-file again and installs their entries in
 * the node's keyrings: the way to rotate a secret with no restart. A removed entry ends the
 * connections admitted with it (they reconnect with the primary). A file that cannot be read
 * or holds nothing leaves the keyring as it was and says why; a ring is never emptied.
 */
import { Logger } from '@nestjs/common';
import { describeError } from '../common/errors';
import type { NodeConfig } from '../config/node-config';
import { readSecretFile } from '../config/secret-list';
import { Keyring } from '../transport/keyring';
import { NodeIdentity } from '../transport/node-identity';

export function watchSecretFiles(config: NodeConfig, identity: NodeIdentity, log: Logger): () => void {
  const files: Array<{ file: string; flag: string; ring: Keyring }> = [];
  if (config.clusterSecretFile) files.push({ file: config.clusterSecretFile, flag: 'cluster-secret-file', ring: identity.secrets });
  if (config.apiTokenFile && identity.clientTokens) files.push({ file: config.apiTokenFile, flag: 'api-token-file', ring: identity.clientTokens });
  const reload = () => {
    for (const { file, flag, ring } of files) {
      try {
        const removed = ring.replace(readSecretFile(file, flag));
        log.log(`--${flag} reloaded: keyring ${ring.keyIds.join(', ')} (primary ${ring.primary?.keyId})${removed.length ? `; removed ${removed.join(', ')}, their connections closed` : ''}`);
      } catch (err) {
        log.warn(`--${flag} not reloaded, keeping ${ring.keyIds.join(', ')}: ${describeError(err)}`);
      }
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
