#!/usr/bin/env bash
# A 3-node peer discovery check, as in the README: A on :3000, B on :4000 bootstrapping
# from A, C on :5000 bootstrapping from B. Passes when C's peer table lists A and B alive.
# P2P_TEST_BASE_PORT moves the ports (base, base+1000, base+2000). Only 127.0.0.1 is used;
# every node started here is stopped by its PID, and the temp folder is removed.
set -euo pipefail
cd "$(dirname "$0")"
[ -f dist/src/main.js ] || npm run build
base=${P2P_TEST_BASE_PORT:-3000}
ports=("$base" "$((base + 1000))" "$((base + 2000))")
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start() { # port [bootstrap]
  local port=$1 args=(serve --listen "127.0.0.1:$1" --db "$work/node_$1/p2p.db" --http off)
  [ -n "${2:-}" ] && args+=(--bootstrap "127.0.0.1:$2")
  ./bin/p2p "${args[@]}" > "$work/node_$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q "ready:" "$work/node_$port.log" && return 0; sleep 0.1; done
  echo "FAIL: node on :$port did not start"; cat "$work/node_$port.log"; exit 1
}

started=$(date +%s%N)
start "${ports[0]}"
start "${ports[1]}" "${ports[0]}"
start "${ports[2]}" "${ports[1]}"
echo "3 nodes started on 127.0.0.1:${ports[0]}, :${ports[1]}, :${ports[2]}"

for _ in $(seq 1 100); do
  table=$(./bin/p2p peers --db "$work/node_${ports[2]}/p2p.db")
  if echo "$table" | grep -q "127.0.0.1:${ports[0]} .*alive" && echo "$table" | grep -q "127.0.0.1:${ports[1]} .*alive"; then
    ms=$(( ($(date +%s%N) - started) / 1000000 ))
    echo "$table"
    grep -h "Connected to\|Peer discovery" "$work/node_${ports[2]}.log" | sed 's/^.*\[Gossip\] //'
    echo "PASS: node C discovered A through B (${ms} ms after the first node started)"
    exit 0
  fi
  sleep 0.1
done
echo "FAIL: node C did not list A and B within 10 s"
./bin/p2p peers --db "$work/node_${ports[2]}/p2p.db"
exit 1
