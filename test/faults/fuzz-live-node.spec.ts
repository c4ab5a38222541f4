/**
 * Over 100,000 hostile frames against a live node, before and after a valid handshake: random
 * bytes where TLS expects a ClientHello; inside TLS, malformed, truncated and oversized frames
 * where our handshake expects its reply; then, on connections that passed the handshake as a
 * member (the cluster secret) and as a client (the API token), well-framed requests, events and
 * answers with random patterns and JSON, each session ended by one malformed frame.
 *
 * Checked: the node does not crash or log an unhandled error; its RSS stays within a bound; a
 * malformed frame closes its own connection within a deadline and a well-framed one never
 * does (each session answers a real request after its random frames); a witness member and a
 * witness client connected before the run stay connected and answer throughout, a CLI store and
 * get work during the run and after it; the node keeps its other member; the open connection
 * count returns to where it was (nothing leaked). P2P_FUZZ_SEED replays a run.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli-runner';
import { CLIENT_PATTERNS, HostileFrame, HostileFrames, HostileKind, MEMBER_PATTERNS } from '../helpers/hostile-frames';
import { HostileMember, connectHostileClient, connectHostileMember } from '../helpers/hostile-member';
import { seededRandom } from '../helpers/in-memory-network';
import { NodeHarness, TestNode, rssKiB } from '../helpers/node-harness';
import { openRawChannel } from '../helpers/raw-channel';
import { waitFor } from '../helpers/wait-for';
import { HANDSHAKE_MAX_FRAME_BYTES } from '../../src/transport/admission/handshake-limits';
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/transport/codec/frame';

const SEED = Number(process.env.P2P_FUZZ_SEED ?? 20261202);
/** Frames of our protocol (the TCP garbage before TLS is counted apart). */
const TOTAL_FRAMES = 100_000;
/** Connections that send bytes where TLS expects its ClientHello. */
const TCP_CONNECTIONS = 1_000;
/** TLS connections that each send one malformed frame where our handshake expects its reply. */
const PRE_HANDSHAKE_CONNECTIONS = 2_000;
/** Authenticated sessions of each role (member, client). */
const SESSIONS_PER_ROLE = 100;
const FRAMES_PER_SESSION = Math.ceil((TOTAL_FRAMES - PRE_HANDSHAKE_CONNECTIONS) / (2 * SESSIONS_PER_ROLE));
const CLOSE_DEADLINE_MS = 15_000;
/**
 * The node's RSS may grow by at most this much over its baseline at any time in the run. It
 * grows by 60-110 MiB here: V8 sizes its heap to the garbage 100,000 requests make, and keeps
 * it. A leak is told apart by the heap in use, which must come back near where it started.
 */
const RSS_BOUND_MIB = 160;
/** Heap in use after the run (once V8 collected) may exceed the heap in use before by this. */
const HEAP_LEAK_BOUND_MIB = 24;
const SECRET = 'fuzz cluster secret';
const TOKEN = 'fuzz-api-token';
const NODE_ARGS = ['--cluster-secret', SECRET, '--api-token', TOKEN];
const cliEnv = { P2P_API_TOKEN: TOKEN };

async function alivePeerIds(node: TestNode): Promise<string[]> {
  const res = await fetch(`http://${node.http}/v1/peers`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const peers = (await res.json()) as Array<{ nodeId: string; status: string }>;
  return peers.filter((p) => p.status === 'alive').map((p) => p.nodeId);
}

async function metric(node: TestNode, name: string): Promise<number> {
  const text = await (await fetch(`http://${node.http}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

const openConnections = (node: TestNode) => metric(node, 'p2p_connections');
const heapUsedMiB = async (node: TestNode) => Math.round((await metric(node, 'nodejs_heap_size_used_bytes')) / 1048576);

/** Resolves when `closed` does; rejects after the deadline: a malformed frame must close its connection. */
function closedWithin(closed: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    closed.finally(() => clearTimeout(timer)),
    new Promise<void>((_, reject) => (timer = setTimeout(() => reject(new Error(`the node kept a connection open after ${what}`)), CLOSE_DEADLINE_MS))),
  ]);
}

/** Runs `task(i)` for i in [0, n) with at most `width` at once. */
async function pool(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

describe('fuzzing a live node', { timeout: 240_000 }, () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let b: TestNode;
  let witnessMember: HostileMember;
  let witnessClient: HostileMember;
  let file: string;

  before(async () => {
    a = await harness.start({ name: 'fuzzed', args: NODE_ARGS });
    b = await harness.start({ name: 'member', bootstrap: [a.p2p], args: NODE_ARGS });
    await waitFor(async () => (await alivePeerIds(a)).includes(b.nodeId), { description: 'the two nodes to join' });
    file = path.join(harness.dir('fuzz'), 'f.txt');
    fs.writeFileSync(file, 'fuzz survivor');
    assert.equal((await runCli(['store', 'kept', file, '--bootstrap', a.p2p], { env: cliEnv })).code, 0);
    witnessMember = await connectHostileMember(a.p2p, { secret: SECRET });
    witnessClient = await connectHostileClient(a.p2p, TOKEN);
  });
  after(async () => {
    witnessMember?.close();
    witnessClient?.close();
    await harness.stopAll();
  });

  it(`survives ${TOTAL_FRAMES.toLocaleString('en')} hostile frames before and after the handshake, closing only the offending connections`, async (t) => {
    const frames = new HostileFrames(seededRandom(SEED));
    const counts = new Map<HostileKind | 'tcp-garbage', number>();
    let sent = 0;
    const count = (kind: HostileKind | 'tcp-garbage') => {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      if (kind !== 'tcp-garbage') sent += 1;
    };
    const witnessesAnswer = async () => {
      assert.ok(witnessMember.isOpen && witnessClient.isOpen, 'the witness connections are still open');
      assert.ok(await witnessMember.request('storage.manifest.get', { key: 'kept' }));
      assert.ok(await witnessClient.request('client.get.manifest', { key: 'kept' }));
    };
    await witnessesAnswer();
    const connectionsBefore = await openConnections(a);
    const heapBefore = await heapUsedMiB(a);
    const baseline = rssKiB(a.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssKiB(a.pid))), 50);
    const phases: string[] = [];
    let phaseStart = Date.now();
    const phaseDone = async (name: string) => {
      phases.push(`${name} ${Date.now() - phaseStart} ms (RSS ${Math.round(rssKiB(a.pid) / 1024)} MiB, heap used ${await heapUsedMiB(a)} MiB)`);
      phaseStart = Date.now();
    };
    /** Sends a malformed frame on an open stream and waits for the node to close it. */
    const offend = async (f: HostileFrame, write: (b: Buffer) => void, end: () => void, closed: Promise<void>, where: string) => {
      write(f.bytes);
      if (f.endAfter) end();
      count(f.kind);
      await closedWithin(closed, `a ${f.kind} frame ${where} (seed ${SEED})`);
    };
    const started = Date.now();
    let midRunCli: Promise<void> = Promise.resolve();
    try {
      // Before TLS: bytes that are not a ClientHello (some look like the start of a TLS record).
      await pool(TCP_CONNECTIONS, 16, async () => {
        const channel = openRawChannel(a.p2p, 'tcp');
        const bytes = frames.bytes(1 + frames.int(1024));
        if (frames.int(2) === 0) bytes.writeUInt8(0x16, 0); // handshake record type, then junk
        channel.socket.end(bytes);
        count('tcp-garbage');
        await closedWithin(channel.closed, `bytes before TLS (seed ${SEED})`);
      });
      await phaseDone('tcp');
      // Inside TLS, before our handshake: one malformed frame per connection (the first closes it).
      await pool(PRE_HANDSHAKE_CONNECTIONS, 16, async (i) => {
        const channel = openRawChannel(a.p2p, 'tls');
        const s = channel.socket;
        await offend(frames.malformed(HANDSHAKE_MAX_FRAME_BYTES, false), (x) => s.write(x), () => s.end(), channel.closed, 'before the handshake');
        if (i % 250 === 0) await witnessesAnswer();
      });
      await phaseDone('pre-handshake');
      // A normal client stores and reads while authenticated sessions fuzz the node.
      const midFile = path.join(harness.dir('fuzz-mid'), 'mid.txt');
      fs.writeFileSync(midFile, 'stored during the fuzz run');
      midRunCli = (async () => {
        assert.equal((await runCli(['store', 'mid', midFile, '--bootstrap', a.p2p], { env: cliEnv })).code, 0, 'a store during the run');
        assert.equal((await runCli(['get', 'mid', '--bootstrap', a.p2p], { env: cliEnv })).stdout, 'stored during the fuzz run');
      })();
      // After a valid handshake: random well-framed frames keep the connection, the last frame closes it.
      const session = async (role: 'member' | 'client', i: number) => {
        const conn = role === 'member' ? await connectHostileMember(a.p2p, { secret: SECRET }) : await connectHostileClient(a.p2p, TOKEN);
        for (let k = 0; k < FRAMES_PER_SESSION - 1; k++) {
          const f = role === 'member' ? frames.wellFramed(MEMBER_PATTERNS, true) : frames.wellFramed(CLIENT_PATTERNS, false);
          conn.writeRaw(f.bytes);
          count(f.kind);
        }
        // Still open after all of them, and still answering.
        const real = role === 'member' ? conn.request('storage.manifest.get', { key: 'kept' }) : conn.request('client.get.manifest', { key: 'kept' });
        assert.ok(await real, `a ${role} session answers after its random frames`);
        assert.ok(conn.isOpen, `a ${role} session is open after its random frames`);
        const last = frames.malformed(DEFAULT_MAX_FRAME_BYTES, true);
        await offend(last, (x) => conn.writeRaw(x), () => conn.end(), conn.closed, `after a ${role} handshake`);
        if (i % 20 === 0) await witnessesAnswer();
      };
      await pool(SESSIONS_PER_ROLE, 4, (i) => session('member', i));
      await phaseDone('member sessions');
      await pool(SESSIONS_PER_ROLE, 4, (i) => session('client', i));
      await phaseDone('client sessions');
      await midRunCli;
    } finally {
      clearInterval(sampler);
    }
    const grewMiB = (Math.max(peak, rssKiB(a.pid)) - baseline) / 1024;
    const kinds = [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
    const line = `fuzz (seed ${SEED}): ${sent} frames of our protocol + ${counts.get('tcp-garbage')} TCP garbage connections in ${Date.now() - started} ms (${phases.join(', ')}); ${kinds}; RSS ${Math.round(baseline / 1024)} MiB before, +${grewMiB.toFixed(1)} MiB at peak; heap used ${heapBefore} MiB before`;
    t.diagnostic(line);
    console.log(line);

    assert.ok(sent >= TOTAL_FRAMES, `${sent} frames sent`);
    assert.ok(a.process.exitCode === null && a.process.signalCode === null, 'the node did not crash');
    assert.doesNotMatch(a.logs(), /uncaught|unhandled|FATAL|heap out of memory|RangeError|TypeError/i);
    // A process warning (a listener leak, say) is printed once per object, unlimited: none is expected.
    assert.doesNotMatch(a.logs(), /\(node:\d+\) \w*Warning/);
    assert.ok(grewMiB < RSS_BOUND_MIB, `RSS grew ${grewMiB.toFixed(1)} MiB (bound ${RSS_BOUND_MIB})`);
    await witnessesAnswer();
    assert.ok((await alivePeerIds(a)).includes(b.nodeId), 'the node still has its member');
    await waitFor(async () => (await openConnections(a)) <= connectionsBefore, { description: `open connections back to ${connectionsBefore}` });
    // V8 collects once allocation stops (its memory reducer): what is still in use then is kept.
    // The reducer spaces its full collections out over tens of seconds (in one CI run the heap
    // was still at 70 MiB 30 s after the run, in another at 29 MiB at once), so it gets two minutes.
    await waitFor(async () => (await heapUsedMiB(a)) <= heapBefore + HEAP_LEAK_BOUND_MIB, { timeoutMs: 120_000, description: `heap in use back within ${HEAP_LEAK_BOUND_MIB} MiB of the ${heapBefore} MiB before the run` });
    const get = await runCli(['get', 'kept', '--bootstrap', a.p2p], { env: cliEnv });
    assert.equal(get.stdout, 'fuzz survivor');
  });
});
