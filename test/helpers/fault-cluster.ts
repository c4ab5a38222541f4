/**
 * A cluster of real nodes, each as its own Unix user, that NetFaults can partition or make
 * lossy (test/helpers/net-faults.ts). Nodes are started in a chain from node0 and named
 * node0..n-1; `partition`/`loss` take them by index. `close()` removes the rules first, then
 * kills and removes everything; `logsOnFailure` shows what the nodes said when a test failed.
 */
import { NetFaults, TestUser } from './net-faults';
import { NodeHarness, StartOptions, TestNode, logsOnFailure, waitForMesh } from './node-harness';

const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));

export class FaultCluster {
  readonly harness = new NodeHarness();
  readonly net = new NetFaults();
  readonly nodes: TestNode[] = [];
  private readonly users: TestUser[] = [];
  private started = false;

  async start(n: number, options: Omit<StartOptions, 'name' | 'bootstrap' | 'user'> = {}): Promise<TestNode[]> {
    this.net.start();
    this.started = true;
    for (let i = 0; i < n; i++) {
      this.users.push(this.net.user());
      await this.startNode(i, { ...options, bootstrap: i > 0 ? [this.nodes[i - 1].p2p] : [] });
    }
    await waitForMesh(this.nodes);
    return this.nodes;
  }

  /** (Re)starts node i as its user (for example in its old folder after a kill). */
  async startNode(i: number, options: Omit<StartOptions, 'name' | 'user'> = {}): Promise<TestNode> {
    const node = await this.harness.start({ ...options, name: `node${i}`, user: this.users[i] });
    this.nodes[i] = node;
    this.net.register({ name: node.name, uid: this.users[i].uid, ports: [portOf(node.p2p), ...(node.http === 'off' ? [] : [portOf(node.http)])] });
    return node;
  }

  partition(a: number[], b: number[]): void {
    this.net.partition(this.names(a), this.names(b));
  }

  loss(a: number[], b: number[], probability: number): void {
    this.net.loss(this.names(a), this.names(b), probability);
  }

  heal(): void {
    this.net.heal();
  }

  /** Runs a test body; if it throws, each node's log goes to stderr first. */
  logsOnFailure<T>(body: () => Promise<T>): Promise<T> {
    return logsOnFailure(() => this.nodes, body);
  }

  async close(): Promise<void> {
    if (this.started) this.net.remove();
    await this.harness.stopAll();
  }

  private names(indexes: number[]): string[] {
    return indexes.map((i) => this.nodes[i].name);
  }
}
