/** A whole get through NodeClient in-process, for unit specs of the CLI's read path. */
import { NodeClient } from '../../src/cli/node-client';
import { FileManifest } from '../../src/storage/storage.types';

/** The file's bytes as `NodeClient.get` delivers them from `bootstrap` (`viaNode`: every chunk through it). */
export async function downloadWith(bootstrap: string, manifest: FileManifest, viaNode = false): Promise<Buffer> {
  const client = NodeClient.fromOptions({ bootstrap, timeout: '5s' });
  client.readFromHolders = !viaNode;
  const parts: Buffer[] = [];
  try {
    await client.get(manifest, async (data) => {
      parts.push(Buffer.from(data));
    });
  } finally {
    client.close();
  }
  return Buffer.concat(parts);
}
