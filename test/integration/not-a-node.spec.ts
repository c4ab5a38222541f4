/**
 * The CLI pointed at something that is not a p2p node (the node's own HTTP port, another
 * service) fails fast with a line that says so, instead of waiting out the handshake deadline.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { runCli } from '../helpers/cli-runner';
import { NodeHarness, TestNode } from '../helpers/node-harness';

/** A TCP service that greets every connection with `banner`, as SSH or SMTP servers do; `stop` closes it and its connections. */
function bannerServer(banner: string): Promise<{ server: net.Server; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.write(banner);
    });
    const stop = () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      });
    server.listen(0, '127.0.0.1', () => resolve({ server, stop }));
  });
}

describe('the CLI pointed at something that is not a node', () => {
  const harness = new NodeHarness();
  let a: TestNode;
  let ssh: Awaited<ReturnType<typeof bannerServer>>;
  before(async () => {
    a = await harness.start({ name: 'a' });
    ssh = await bannerServer('SSH-2.0-OpenSSH_9.6\r\n');
  });
  after(async () => {
    await ssh.stop();
    await harness.stopAll();
  });

  it('the HTTP port: one line saying it answers HTTP, at once', async () => {
    const r = await runCli(['get', 'k', '--bootstrap', a.http], { timeoutMs: 20_000 });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: [^\n]*answers HTTP, not the p2p protocol[^\n]*\n$/);
    // CLI start-up is about 0.3 s; the handshake deadline it used to wait out is 5 s.
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  });

  it('another protocol: one line saying it does not speak the p2p protocol, at once', async () => {
    const address = `127.0.0.1:${(ssh.server.address() as net.AddressInfo).port}`;
    const r = await runCli(['get', 'k', '--bootstrap', address], { timeoutMs: 20_000 });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: [^\n]*does not speak the p2p protocol[^\n]*\n$/);
    assert.ok(r.ms < 3000, `took ${r.ms} ms`);
  });
});
