#!/usr/bin/env node
// Runs the compiled test files with Node's own test runner.
//   node scripts/run-tests.js            every tier
//   node scripts/run-tests.js unit       specs beside the code (src/**)
//   node scripts/run-tests.js integration  real processes, sockets and disks (test/**)
//   node scripts/run-tests.js faults     the slow fault-injection tier (test/faults/**)
// Extra arguments after the tier are substrings a test file's path must contain.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', 'dist');
const [tier = 'all', ...filters] = process.argv.slice(2);
const tiers = {
  unit: (f) => f.startsWith('src/'),
  integration: (f) => f.startsWith('test/') && !f.startsWith('test/faults/'),
  faults: (f) => f.startsWith('test/faults/'),
  all: (f) => !f.startsWith('test/faults/'),
};
if (!tiers[tier]) {
  console.error(`unknown test tier "${tier}" (expected one of ${Object.keys(tiers).join(', ')})`);
  process.exit(2);
}

function walk(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith('.spec.js')) out.push(path.relative(root, full));
  }
  return out;
}

const files = walk(root)
  .filter(tiers[tier])
  .filter((f) => filters.every((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Two cores: integration files each start several node processes, so run two files at a time.
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--enable-source-maps', ...files.map((f) => path.join(root, f))],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
