/**
 * The `node` flags bin/p2p runs the CLI with, read from its exec line, and the environment
 * variables it drops. The code cache
 * (scripts/code-cache.js) is made under them and V8 rejects it under others, so everything that
 * starts node processes itself (the build, the test harness) takes them from here.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function binNodeFlags(root) {
  const script = fs.readFileSync(path.join(root, 'bin', 'p2p'), 'utf8');
  const line = /^exec node (.*?) "\$here/m.exec(script);
  if (!line) throw new Error('bin/p2p has no "exec node <flags> \\"$here..." line');
  return line[1].split(/\s+/).filter(Boolean);
}

/** The environment variables bin/p2p unsets before it starts node (its `unset` lines). */
function binUnsetEnv(root) {
  const script = fs.readFileSync(path.join(root, 'bin', 'p2p'), 'utf8');
  return [...script.matchAll(/^unset (.+)$/gm)].flatMap((m) => m[1].split(/\s+/).filter(Boolean));
}

module.exports = { binNodeFlags, binUnsetEnv };
