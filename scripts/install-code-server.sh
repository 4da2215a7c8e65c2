#!/usr/bin/env bash
# Installs the VS Code server shipped in the `code-server` npm package into an
# ignored cache folder (.vscode-test/code-server), for the integration tests and
# the demo. Nothing is downloaded from outside the npm registry: the ripgrep
# archive that @vscode/ripgrep would fetch from GitHub is seeded from Debian's rg.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
version="4.100.3"   # newest code-server whose engines.node accepts Node 20
dest="$here/.vscode-test/code-server"
marker="$dest/node_modules/code-server/lib/vscode/out/server-main.js"
if [ -f "$marker" ]; then
  echo "code-server $version already installed in $dest"
  exit 0
fi
command -v rg >/dev/null || { echo "ripgrep (rg) is needed: apt-get install -y ripgrep" >&2; exit 1; }
tmp="$(node -p 'require("os").tmpdir()')"
cache="$tmp/vscode-ripgrep-cache-1.15.11"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$archive" ]; then
  mkdir -p "$cache"
  work="$(mktemp -d)"
  cp "$(command -v rg)" "$work/rg"
  tar -C "$work" -czf "$archive" rg
  rm -rf "$work"
fi
mkdir -p "$dest"
[ -f "$dest/package.json" ] || echo '{"name":"code-server-cache","private":true}' > "$dest/package.json"
echo "installing code-server@$version into $dest (about a minute)"
(cd "$dest" && npm_config_yes=true npm install "code-server@$version" --unsafe-perm --no-audit --no-fund --loglevel=error)
test -f "$marker"
echo "code-server installed"
