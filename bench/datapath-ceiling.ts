/**
 * The ceiling of one hop, as a hop between two nodes is: two processes. One reads the file and
 * sends it over a loopback socket; the other hashes it with SHA-256 and writes it with 1 MiB
 * writes and a final fsync (bench/ceiling-hop.ts). Timed by the receiver, from its accept to
 * the end of the fsync. Running both ends in one process, with the default 16 KiB stream
 * buffer, understated a hop (292-302 MiB/s against 350-426 MiB/s across two, on one machine).
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const HOP = path.join(__dirname, 'ceiling-hop.js');

export interface CeilingRun {
  ms: number;
  bytes: number;
  sha256: string;
}

export async function twoProcessCeiling(file: string, out: string): Promise<CeilingRun> {
  const receiver = spawn(process.execPath, [HOP, 'receive', out], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let sender: ReturnType<typeof spawn> | undefined;
  const result = new Promise<CeilingRun>((resolve, reject) => {
    receiver.stdout.on('data', (d) => {
      output += d;
      const port = /^port (\d+)$/m.exec(output);
      if (port && !sender) sender = spawn(process.execPath, [HOP, 'send', port[1], file], { stdio: 'inherit' });
      const done = /^(\{.*\})$/m.exec(output);
      if (done) resolve(JSON.parse(done[1]) as CeilingRun);
    });
    receiver.once('exit', (code) => reject(new Error(`ceiling receiver exited (${code}) before it reported:\n${output}`)));
  });
  try {
    return await result;
  } finally {
    receiver.kill('SIGKILL');
    sender?.kill('SIGKILL');
  }
}
