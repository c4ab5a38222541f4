import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliJson, runCli } from '../helpers/cli-runner';
import { NodeHarness } from '../helpers/node-harness';

const MiB = 1024 * 1024;

describe('get --resume', () => {
  const harness = new NodeHarness();
  after(() => harness.stopAll());

  it('keeps the verified chunks of an interrupted download and fetches only the rest', async () => {
    const [a] = await harness.chain(1);
    const dir = harness.dir('resume');
    const bytes = crypto.randomBytes(5 * MiB + 7);
    fs.writeFileSync(path.join(dir, 'in.bin'), bytes);
    assert.equal((await runCli(['store', 'big', path.join(dir, 'in.bin'), '--bootstrap', a.p2p])).code, 0);
    const [info] = await cliJson<Array<{ key: string; version: string; contentHash: string }>>(['files', 'list', '--db', a.dbPath]);

    const out = path.join(dir, 'out.bin');
    // An interrupted download of this version: 2.5 chunks on disk, the third one cut short.
    fs.writeFileSync(`${out}.part`, bytes.subarray(0, 2.5 * MiB));
    fs.writeFileSync(`${out}.part.json`, JSON.stringify({ key: 'big', version: info.version, contentHash: info.contentHash }));
    const r = await runCli(['get', 'big', '--bootstrap', a.p2p, '--out', out, '--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resumed after 2 verified chunk\(s\)/);
    assert.ok(fs.readFileSync(out).equals(bytes));
    assert.equal(fs.existsSync(`${out}.part`), false);

    // A damaged chunk in the middle: resume keeps only what precedes it.
    const damaged = Buffer.from(bytes.subarray(0, 4 * MiB));
    damaged[MiB + 10] ^= 0xff;
    fs.writeFileSync(`${out}.part`, damaged);
    fs.writeFileSync(`${out}.part.json`, JSON.stringify({ key: 'big', version: info.version, contentHash: info.contentHash }));
    const again = await runCli(['get', 'big', '--bootstrap', a.p2p, '--out', out, '--resume']);
    assert.match(again.stdout, /resumed after 1 verified chunk\(s\)/);
    assert.ok(fs.readFileSync(out).equals(bytes));

    // A .part of another version is not trusted at all.
    fs.writeFileSync(`${out}.part`, bytes.subarray(0, 3 * MiB));
    fs.writeFileSync(`${out}.part.json`, JSON.stringify({ key: 'big', version: 'older', contentHash: info.contentHash }));
    const fresh = await runCli(['get', 'big', '--bootstrap', a.p2p, '--out', out, '--resume']);
    assert.doesNotMatch(fresh.stdout, /resumed/);
    assert.ok(fs.readFileSync(out).equals(bytes));
  });
});
