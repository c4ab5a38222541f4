/** Reading a running node's /metrics. */
import { TestNode } from './node-harness';

/** The node's /metrics page, as text. */
export async function metricsText(node: TestNode): Promise<string> {
  return (await fetch(`http://${node.http}/metrics`)).text();
}

/** The sum of every sample of a metric (all label sets, or those `labels` accepts) in a /metrics page. */
export function sumOf(text: string, name: string, labels: (l: string) => boolean = () => true): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))) if (labels(m[1] ?? '')) sum += Number(m[2]);
  return sum;
}

/** The sum of every sample of a metric (all label sets, or those `labels` accepts) on the node's /metrics. */
export async function metricSum(node: TestNode, name: string, labels: (l: string) => boolean = () => true): Promise<number> {
  return sumOf(await metricsText(node), name, labels);
}
