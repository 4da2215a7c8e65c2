#!/usr/bin/env bash
# Installs what a fresh machine (Debian 12, Node 20) lacks for the tests and the
# demo: Debian packages (Chromium for the tests, ripgrep and the Kerberos headers
# for the VS Code server's native modules, container engines for real builds),
# the npm packages, and the VS Code
# server of the code-server npm package (into .vscode-test/, ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v rg >/dev/null || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
# Real container builds in the tests (../shared/container-builds.md): the Docker engine
# (started by the tests with private paths), a registry on loopback, buildah, and a
# static busybox for FROM scratch images.
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
[ -x /usr/bin/buildah ] || need+=(buildah)
[ -x /bin/busybox ] || need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Please install these Debian packages first (as root): ${need[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
bash scripts/install-code-server.sh
