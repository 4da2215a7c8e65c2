#!/usr/bin/env bash
# The demo on a fresh clone: installs what is missing, then `npm run demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npm run demo
