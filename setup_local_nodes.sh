#!/usr/bin/env bash
# Creates the folders the README's examples use: node_3000, node_4000, node_5000.
# Idempotent. (Nodes create missing folders themselves; this keeps the original workflow.)
set -euo pipefail
cd "$(dirname "$0")"
for port in 3000 4000 5000; do
  if [ -d "node_$port" ]; then
    echo "node_$port exists"
  else
    mkdir -p "node_$port"
    echo "created node_$port"
  fi
done
