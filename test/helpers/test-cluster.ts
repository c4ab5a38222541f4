/**
 * The set-up most multi-node test files repeat: a NodeHarness and the NodeClients a test opens,
 * all cleaned up after the describe block that calls testCluster(), plus a chain of nodes that
 * already list each other alive.
 */
import { after } from 'node:test';
import { NodeClient } from '../../src/cli/node-client';
import { NodeHarness, StartOptions, TestNode, waitForMesh } from './node-harness';

export interface TestCluster {
  harness: NodeHarness;
  /** n nodes started in a chain (node i bootstraps from node i-1), once each lists the others alive. */
  mesh(n: number, options?: Omit<StartOptions, 'bootstrap' | 'name'>): Promise<TestNode[]>;
  /** A CLI-side client of `node` (closed after the block). */
  client(node: TestNode, timeout?: string): NodeClient;
}

/** Call inside a describe block: registers the block's clean-up with after(). */
export function testCluster(): TestCluster {
  const harness = new NodeHarness();
  const clients: NodeClient[] = [];
  after(async () => {
    clients.forEach((c) => c.close());
    await harness.stopAll();
  });
  return {
    harness,
    async mesh(n, options = {}) {
      const nodes = await harness.chain(n, options);
      await waitForMesh(nodes);
      return nodes;
    },
    client(node, timeout) {
      const client = NodeClient.fromOptions({ bootstrap: node.p2p, ...(timeout ? { timeout } : {}) });
      clients.push(client);
      return client;
    },
  };
}
