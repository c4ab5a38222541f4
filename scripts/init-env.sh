#!/usr/bin/env bash
# Makes an env file from a template, each placeholder (a value starting with "change-me", which
# a node refuses) replaced by a new random secret: 32 bytes from /dev/urandom, as hex. The file
# is readable by its owner only (0600). An existing file is never touched: secrets are made
# once, on first use, and stay.
#
#   scripts/init-env.sh                 .env.example -> .env beside docker-compose.yml (compose quick start)
#   scripts/init-env.sh TEMPLATE OUT    any template (install.sh uses it for /etc/p2p-storage/<user>.env)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
template=${1:-$here/.env.example}
out=${2:-$here/.env}

if [ -e "$out" ]; then
  echo "keeping existing $out"
  exit 0
fi
[ -r "$template" ] || { echo "error: cannot read the template $template" >&2; exit 1; }

secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

umask 077
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
made=()
while IFS= read -r line || [ -n "$line" ]; do
  if [[ $line =~ ^([A-Za-z_][A-Za-z0-9_]*)=change-?me ]]; then
    made+=("${BASH_REMATCH[1]}")
    printf '%s=%s\n' "${BASH_REMATCH[1]}" "$(secret)"
  else
    printf '%s\n' "$line"
  fi
done < "$template" > "$tmp"
chmod 600 "$tmp"
# -n: if another run wrote $out meanwhile, keep that one (its secrets may be in use already).
mv -n "$tmp" "$out"
[ -e "$tmp" ] && { echo "keeping existing $out"; exit 0; }
echo "wrote $out (mode 0600) with new random values for: ${made[*]:-nothing}"
