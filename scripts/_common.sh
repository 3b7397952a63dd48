# Shared by scripts/demo.sh and scripts/test.sh: a virtualenv in .venv and the front-end assets.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建 Python 虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
VENV="$ROOT/.venv"

pip_install() {
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$@"
}

project_install() {
  # Installs the project in editable mode with the given extras ("" or "[test]"); skipped while the stamp is
  # newer than pyproject.toml (code changes need no reinstall, and two test runs can share one install).
  local extras="$1"
  local stamp="$VENV/.bizenv-installed${extras//[^a-z]/-}"
  if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && "$VENV/bin/python" -c "import bizenv" 2>/dev/null; then
    return 0
  fi
  pip_install -e ".$extras"
  touch "$stamp"
}

npm_install() {
  if [ ! -f node_modules/echarts/dist/echarts.min.js ] || [ ! -f node_modules/htmx.org/dist/htmx.min.js ] \
     || [ ! -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ] \
     || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> 安装前端资源（ECharts、htmx、Swagger UI，来自 npm）"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

apt_install() {
  # Installs Debian packages that are missing; needs root (or sudo).
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> 安装系统软件包：${missing[*]}"
  local SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
