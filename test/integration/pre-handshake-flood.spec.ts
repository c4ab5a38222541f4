/**
 * The pre-handshake flood: 300 sockets that never authenticate, each announcing a 1 MiB frame
 * and sending most of it. Before admission limits a node held every one of those frames (its
 * RSS grew by about 310 MiB; a 512 Mi pod dies at about 500 such sockets). The sockets speak
 * TLS first, as a peer does, so the frame arrives where a handshake frame would. Now a frame
 * larger than a handshake needs closes its connection at its length prefix, and pending
 * handshakes are capped overall and per address: the node grows by less than 64 MiB and keeps
 * serving.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode, rssKiB } from '../helpers/node-harness';
import { waitFor } from '../helpers/wait-for';
import { dialTls } from '../helpers/tls-probe';

const SOCKETS = 300;
const ANNOUNCED = 1024 * 1024;
const SENT = ANNOUNCED - 64 * 1024;

/**
 * One unauthenticated socket: TLS as a peer speaks it, then inside it a length prefix for
 * ANNOUNCED bytes and SENT of them. Resolves once written or closed.
 */
function floodSocket(address: string, sockets: net.Socket[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = dialTls(address);
    sockets.push(socket);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('data', () => undefined);
    socket.on('secureConnect', () => {
      const frame = Buffer.alloc(4 + SENT, 0x41);
      frame.writeUInt32BE(ANNOUNCED, 0);
      socket.write(frame, () => resolve());
    });
  });
}

describe('pre-handshake flood', () => {
  const harness = new NodeHarness();
  const sockets: net.Socket[] = [];

  after(async () => {
    for (const s of sockets) s.destroy();
    await harness.stopAll();
  });

  /** Floods a fresh node started with `args` and checks it stayed small and serving. */
  async function flood(name: string, args: string[], t: { diagnostic(m: string): void }): Promise<TestNode> {
    const node = await harness.start({ name, args });
    const file = path.join(harness.dir('flood'), 'f.txt');
    fs.writeFileSync(file, 'still serving');
    // A first store warms what a store needs, so the baseline is a node at work, not a fresh one.
    assert.equal((await runCli(['store', 'before', file, '--bootstrap', node.p2p])).code, 0);
    const baseline = rssKiB(node.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(node.pid))), 20);
    try {
      await Promise.all(Array.from({ length: SOCKETS }, () => floodSocket(node.p2p, sockets)));
      // Everything was written (or refused): the node has read what it was going to read.
      peak = Math.max(peak, rssKiB(node.pid));
    } finally {
      clearInterval(sampler);
    }
    const grewMiB = (peak - baseline) / 1024;
    const line = `pre-handshake flood (${args.join(' ') || 'default caps'}): RSS ${Math.round(baseline / 1024)} MiB before, ${Math.round(peak / 1024)} MiB at peak: grew ${grewMiB.toFixed(1)} MiB under ${SOCKETS} TLS sockets announcing ${ANNOUNCED} bytes each`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(grewMiB < 64, `RSS grew ${grewMiB.toFixed(1)} MiB`);
    assert.ok(node.process.exitCode === null && node.process.signalCode === null, 'the node is alive');
    const get = await runCli(['get', 'before', '--bootstrap', node.p2p]);
    assert.equal(get.stdout, 'still serving');
    return node;
  }

  it(`grows a node's RSS by less than 64 MiB under ${SOCKETS} unauthenticated sockets, and the node keeps serving`, async (t) => {
    const node = await flood('flooded', [], t);
    await waitFor(() => /refused|closed connection/.test(node.logs()), { description: 'the node to log the refusals' });
    const refusalLines = node.logs().split('\n').filter((l) => /refused|closed connection/.test(l)).length;
    assert.ok(refusalLines <= 40, `${refusalLines} refusal lines for ${SOCKETS} sockets: the log is not rate-limited`);
  });

  it(`bounds memory by the pre-handshake frame limit alone when the caps admit all ${SOCKETS} sockets`, async (t) => {
    // With the handshake caps above the flood, every socket is admitted and sends its frame:
    // only the 8 KiB limit on frames before the handshake keeps the node small.
    const node = await flood('admits-all', ['--max-handshakes', '1000', '--max-handshakes-per-host', '1000'], t);
    await waitFor(() => /closed connection 127\.0\.0\.1:\d+: FRAME_TOO_LARGE/.test(node.logs()), { description: 'the node to close the announced frames' });
  });
});
