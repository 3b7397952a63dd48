#!/usr/bin/env bash
# Installs what the tests need (Chromium, CJK fonts, test packages) and runs the whole suite.
# Extra arguments go to pytest. With DATABASE_URL set, the suite runs against PostgreSQL.
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
apt_install chromium fonts-noto-cjk libreoffice-writer-nogui
echo "==> 安装 Python 依赖（含测试）"
project_install "[test]"
npm_install
echo "==> 代码检查（ruff）"
"$VENV/bin/ruff" check .
export BIZENV_DATA_DIR="${BIZENV_TEST_DATA_DIR:-$(mktemp -d -t bizenv-test-XXXXXX)}"
echo "==> 运行测试（数据库：${DATABASE_URL:+PostgreSQL}${DATABASE_URL:-SQLite}）"
exec "$VENV/bin/python" -m pytest "$@"
