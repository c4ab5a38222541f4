#!/usr/bin/env bash
# Packaging checks for CI: install the tools that are missing (promtool from Debian's
# prometheus package; iptables for the fault tier's network faults), then the Docker image
# and compose cluster end to end. The offline checks (promtool, k8s manifests, systemd unit)
# are node:test specs in test/packaging and run with `npm test`; this script makes sure their
# tools exist first when called before it, and runs the Docker part, which is skipped
# (loudly) only when no Docker engine can start.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=../shared/tools

if [ "${1:-}" != "--docker" ]; then
  if ! command -v promtool >/dev/null; then
    echo "== installing promtool (Debian package prometheus)"
    (apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends prometheus >/dev/null 2>&1; }) \
      || echo "!! could not install promtool: its checks will say so"
  fi
  # The fault tier's network faults (test/helpers/net-faults.ts): iptables rules on loopback,
  # one Unix user per node (useradd, from passwd).
  if ! command -v iptables >/dev/null; then
    echo "== installing iptables (network faults of the fault tier)"
    (apt-get install -y --no-install-recommends iptables >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends iptables >/dev/null 2>&1; }) \
      || echo "!! could not install iptables: the network-fault tests will say so"
  fi
  if ! command -v useradd >/dev/null; then
    (apt-get install -y --no-install-recommends passwd >/dev/null 2>&1) || echo "!! could not install useradd (passwd)"
  fi
  # The compose file's checks (test/packaging/secrets.spec.ts) run `docker-compose config`.
  if ! command -v docker-compose >/dev/null; then
    echo "== installing docker-compose (checks of docker-compose.yml)"
    (apt-get install -y --no-install-recommends docker-compose >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends docker-compose >/dev/null 2>&1; }) \
      || echo "!! could not install docker-compose: its checks will be skipped"
  fi
  if ! command -v systemd-analyze >/dev/null; then
    (apt-get install -y --no-install-recommends systemd >/dev/null 2>&1) || echo "!! could not install systemd-analyze"
  fi
  # The S3 tests drive the real clients (test/s3): Debian's packages of each.
  s3_missing=""
  [ -x /usr/bin/aws ] || s3_missing="$s3_missing awscli"
  command -v rclone >/dev/null || s3_missing="$s3_missing rclone"
  command -v s3cmd >/dev/null || s3_missing="$s3_missing s3cmd"
  python3 -c 'import boto3' 2>/dev/null || s3_missing="$s3_missing python3-boto3"
  command -v restic >/dev/null || s3_missing="$s3_missing restic"
  if [ -n "$s3_missing" ]; then
    echo "== installing S3 clients:$s3_missing"
    # shellcheck disable=SC2086
    (apt-get install -y --no-install-recommends $s3_missing >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends $s3_missing >/dev/null 2>&1; }) \
      || echo "!! could not install$s3_missing: the S3 client tests will fail"
  fi
  [ "${1:-}" = "--tools-only" ] && exit 0
fi

if [ "${DOCKER_CHECKS:-1}" != 1 ]; then
  echo "== DOCKER_CHECKS=0: compose e2e skipped on request"
  exit 0
fi
if [ ! -f "$tools/docker-harness.sh" ]; then
  echo "!!!!! no Docker harness at $tools: the container checks are SKIPPED !!!!!"
  exit 0
fi
if ! timeout 600 bash "$tools/docker-harness.sh"; then
  echo "!!!!! the Docker engine could not start on this machine: the compose e2e is SKIPPED !!!!!"
  exit 0
fi
timeout 900 bash test/container/compose-e2e.sh
