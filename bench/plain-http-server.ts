/**
 * The ceiling of bench:s3's 4 KiB GETs: plain Node http serving one 4 KiB buffer, in its own
 * process (as each node is), so that the ceiling's server does not share the clients' thread.
 *   node plain-http-server.js    listens on 127.0.0.1:0, prints "port N", serves until killed
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';

const body = crypto.randomBytes(4096);
const server = http.createServer((_, res) => res.end(body));
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.address() as { port: number }).port}\n`);
});
