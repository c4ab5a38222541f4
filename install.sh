#!/usr/bin/env bash
# Builds p2p-storage and installs it as a systemd service.
#
#   ./install.sh                 build, install to /opt/p2p-storage, link /usr/local/bin/p2p,
#                                install the unit and /etc/p2p-storage/<user>.env (kept if present)
#   ./install.sh --dry-run       print what would be done, change nothing
#   DESTDIR=/tmp/stage ./install.sh   install under a staging root (packaging, tests); no systemctl
#   PREFIX=/opt/p2p-storage      where the program goes (default)
#   P2P_USER=alice               whose instance the env file is for (default: $SUDO_USER or $USER)
set -euo pipefail
cd "$(dirname "$0")"

dry=0
[ "${1:-}" = "--dry-run" ] && dry=1
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/opt/p2p-storage}
P2P_USER=${P2P_USER:-${SUDO_USER:-${USER:-$(id -un)}}}
root="$DESTDIR"

run() {
  echo "+ $*"
  [ "$dry" = 1 ] || "$@"
}

# A step run inside a folder (printed as one line; in a dry run the folder need not exist yet).
run_in() {
  local dir=$1
  shift
  echo "+ cd $dir && $*"
  [ "$dry" = 1 ] || (cd "$dir" && "$@")
}

# The nearest folder of $1 that exists (what mkdir -p would create inside).
existing_parent() {
  local p=$1
  while [ ! -e "$p" ]; do p=$(dirname "$p"); done
  echo "$p"
}

command -v node >/dev/null || { echo "error: node (20.19 or newer) is required" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || { echo "error: node $(node --version) is too old; 20.19 or newer is required" >&2; exit 1; }

# Every folder written to must be writable, checked before anything is built or copied (a dry
# run too: it shows what would happen, and this would).
for target in "$root$PREFIX" "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/p2p-storage"; do
  parent=$(existing_parent "$target")
  if [ ! -w "$parent" ]; then
    echo "error: cannot write $target ($parent is not writable by $(id -un)): run as root (sudo ./install.sh) or set PREFIX and DESTDIR to folders you can write" >&2
    exit 1
  fi
done

if [ ! -f dist/src/launch.js ] || [ "${REBUILD:-1}" = 1 ]; then
  run npm ci --no-audit --no-fund
  run npm run build
fi

run mkdir -p "$root$PREFIX" "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/p2p-storage"
run cp -r dist package.json package-lock.json bin README.md DEPLOYMENT.md "$root$PREFIX/"
run cp -r node_modules "$root$PREFIX/"
# Development dependencies are not needed at run time.
run_in "$root$PREFIX" npm prune --omit=dev --no-audit --no-fund || true
run ln -sf "$PREFIX/bin/p2p" "$root/usr/local/bin/p2p"
run install -m 0644 systemd/p2p-storage@.service "$root/etc/systemd/system/p2p-storage@.service"

envfile="$root/etc/p2p-storage/$P2P_USER.env"
if [ -f "$envfile" ]; then
  echo "keeping existing $envfile"
else
  # A new cluster secret and API token, made here once (scripts/init-env.sh replaces each
  # change-me value with 32 random bytes, writes 0600, never overwrites): a node refuses a
  # placeholder, and a node without a secret listens on 127.0.0.1 only.
  echo "+ write $envfile"
  if [ "$dry" = 0 ]; then
    template=$(mktemp)
    cat > "$template" <<ENV
# p2p-storage settings for p2p-storage@$P2P_USER (every flag has a P2P_* variable; see DEPLOYMENT.md)
P2P_LISTEN=:3000
P2P_HTTP=:13000
#P2P_BOOTSTRAP=host1:3000,host2:3000
#P2P_ADVERTISE=this-host.example:3000
# Made at install, random: every node of the cluster needs the same secret (copy it to them).
P2P_CLUSTER_SECRET=change-me
# What clients prove (p2p store/get/delete: P2P_API_TOKEN; the REST API: Authorization: Bearer).
P2P_API_TOKEN=change-me
P2P_LOG_FORMAT=text
ENV
    scripts/init-env.sh "$template" "$envfile" >/dev/null
    rm -f "$template"
    echo "  with a new random P2P_CLUSTER_SECRET and P2P_API_TOKEN (mode 0600; give the same secret to every node)"
  fi
fi

reload=0
if [ -z "$DESTDIR" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  reload=1
  run systemctl daemon-reload
fi
if [ "$dry" = 1 ]; then
  echo "dry run: nothing was changed"
elif [ "$reload" = 1 ]; then
  echo "installed. Start it with: sudo systemctl enable --now p2p-storage@$P2P_USER"
else
  echo "installed under '${root:-/}' (systemd not reloaded). Start it with: sudo systemctl enable --now p2p-storage@$P2P_USER"
fi
