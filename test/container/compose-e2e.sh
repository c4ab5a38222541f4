#!/usr/bin/env bash
# Compose end to end: build the image, start the 3-node cluster of docker-compose.yml, store
# through node1, get through node3, stop node2 and still get, restart node2 and wait until it
# is ready, then tear down everything this script started (its own compose project and image).
# Prints the image size and the cold up-to-all-ready time. Talks only to 127.0.0.1 and to
# the containers of its own project.
set -euo pipefail
cd "$(dirname "$0")/../.."
project="p2pe2e$$"
export P2P_CLUSTER_SECRET="e2e-secret-$$" P2P_API_TOKEN="e2e-token-$$"
compose=(docker-compose -p "$project" -f docker-compose.yml)
work=$(mktemp -d)
had_local_tag=0
docker image inspect p2p-storage:local >/dev/null 2>&1 && had_local_tag=1
cleanup() {
  status=$?
  if [ $status -ne 0 ]; then
    echo "--- logs (failure)"; "${compose[@]}" logs --no-color --tail 40 2>/dev/null || true
  fi
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  docker rmi "p2p-storage:$project" >/dev/null 2>&1 || true
  [ "$had_local_tag" = 1 ] || docker rmi p2p-storage:local >/dev/null 2>&1 || true
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
t() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{printf "%.1f", $2 - $1}'; }
auth=(-H "Authorization: Bearer $P2P_API_TOKEN")

wait_ready() { # port deadline-seconds
  local end=$(( $(date +%s) + $2 ))
  until curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || { echo "FAIL: 127.0.0.1:$1 not ready within $2 s"; curl -s "http://127.0.0.1:$1/readyz" || true; return 1; }
    sleep 0.5
  done
}

start=$(t)
docker build -q -f docker/Dockerfile -t "p2p-storage:$project" . >/dev/null
echo "image built in $(secs "$start" "$(t)") s; size: $(docker image inspect "p2p-storage:$project" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}')"
# Use this run's image for all three services.
docker tag "p2p-storage:$project" p2p-storage:local

up=$(t)
"${compose[@]}" up -d node1 node2 node3 >/dev/null 2>&1
for port in 13001 13002 13003; do wait_ready "$port" 90; done
echo "cold docker-compose up -> all 3 ready: $(secs "$up" "$(t)") s"

head -c 3000000 /dev/urandom > "$work/in.bin"
curl -fsS "${auth[@]}" -X PUT --data-binary @"$work/in.bin" http://127.0.0.1:13001/v1/files/e2e.bin > "$work/put.json"
echo "stored through node1: $(cat "$work/put.json")"
curl -fsS "${auth[@]}" -o "$work/out3.bin" http://127.0.0.1:13003/v1/files/e2e.bin
cmp "$work/in.bin" "$work/out3.bin" && echo "got identical bytes through node3"
# The CLI inside a container, as a client of node1 by service name, with the secret from the env.
"${compose[@]}" exec -T node2 p2p get e2e.bin --bootstrap node1:3000 > "$work/cli.bin"
cmp "$work/in.bin" "$work/cli.bin" && echo "p2p get inside node2 (client of node1 by service name): identical"

stop=$(t)
"${compose[@]}" stop node2 >/dev/null 2>&1
echo "node2 stopped (SIGTERM, graceful leave) in $(secs "$stop" "$(t)") s"
curl -fsS "${auth[@]}" -o "$work/out-down.bin" http://127.0.0.1:13003/v1/files/e2e.bin
cmp "$work/in.bin" "$work/out-down.bin" && echo "node2 stopped: still got identical bytes through node3"
"${compose[@]}" start node2 >/dev/null 2>&1
restart=$(t)
wait_ready 13002 60
echo "node2 restarted and ready in $(secs "$restart" "$(t)") s"
curl -fsS "${auth[@]}" -o "$work/out2.bin" http://127.0.0.1:13002/v1/files/e2e.bin
cmp "$work/in.bin" "$work/out2.bin" && echo "got identical bytes through the restarted node2"
node1=$("${compose[@]}" ps -q node1)
for _ in $(seq 1 60); do
  health=$(docker inspect --format '{{.State.Health.Status}}' "$node1")
  [ "$health" = healthy ] && break
  sleep 0.5
done
echo "node1 healthcheck: $health"
[ "$health" = healthy ]
metrics=$(curl -fsS http://127.0.0.1:13001/metrics)
echo "$metrics" | grep '^p2p_members{state="alive"} 2$' >/dev/null
echo "node1 metrics: 2 alive members, $(echo "$metrics" | grep -c '^p2p_') p2p series"
echo "compose e2e: PASS"
