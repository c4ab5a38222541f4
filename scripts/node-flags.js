/**
 * How bin/p2p starts node: the `node` flags of its exec line, and the environment variables it
 * unsets. The code cache (scripts/code-cache.js) is made under those flags and V8 rejects it
 * under others, so everything that starts node processes itself (the build, the test harness)
 * takes them from here.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function launcher(root) {
  return fs.readFileSync(path.join(root, 'bin', 'p2p'), 'utf8');
}

function binNodeFlags(root) {
  const line = /^exec node (.*?) "\$here/m.exec(launcher(root));
  if (!line) throw new Error('bin/p2p has no "exec node <flags> \\"$here..." line');
  return line[1].split(/\s+/).filter(Boolean);
}

/** The environment variables bin/p2p unsets before it starts node (its `unset` lines). */
function binUnsetEnv(root) {
  return [...launcher(root).matchAll(/^unset (.+)$/gm)].flatMap((m) => m[1].split(/\s+/).filter(Boolean));
}

module.exports = { binNodeFlags, binUnsetEnv };
