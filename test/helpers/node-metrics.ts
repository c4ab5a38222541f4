/** Reading a running node's /metrics. */
import { TestNode } from './node-harness';

/** The sum of every sample of a metric (all label sets, or those `labels` accepts) on the node's /metrics. */
export async function metricSum(node: TestNode, name: string, labels: (l: string) => boolean = () => true): Promise<number> {
  const text = await (await fetch(`http://${node.http}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) if (labels(m[1] ?? '')) sum += Number(m[2]);
  return sum;
}
