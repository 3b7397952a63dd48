#!/usr/bin/env bash
# Installs everything and runs the demo on the embedded default (SQLite and local files under ./var).
# Extra arguments go to `bizenv demo`, e.g. `./scripts/demo.sh --scale province`.
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
apt_install fonts-noto-cjk libreoffice-writer-nogui
echo "==> 安装 Python 依赖"
project_install ""
npm_install
exec "$VENV/bin/bizenv" demo "$@"
