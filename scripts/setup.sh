#!/usr/bin/env bash
# Brings a bare machine to the point where the app runs (`setup.sh app`) or the whole test suite
# runs (`setup.sh test`). Installs only what is missing, so it is quick when nothing is.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose=${1:-app}

bun_version=$(sed -n 's/.*"packageManager": *"bun@\([0-9.]*\)".*/\1/p' package.json)
if [ "$(bun --version 2>/dev/null || true)" != "$bun_version" ]; then
  echo "setup: installing bun@$bun_version from npm" >&2
  npm install --global --no-fund --no-audit --loglevel=error "bun@$bun_version" >&2
fi
bun install --frozen-lockfile --silent

[ "$purpose" = test ] || exit 0

# The tests start a throwaway MariaDB when no server answers on 127.0.0.1:3306 (and one of their
# own for the fault drills), drive Debian's Chromium (never a downloaded browser), put nginx in
# front of the app, shellcheck the shell scripts, run the instance bootstrap's jq and check the
# bench's wrk scripts.
export PATH="$PATH:/usr/sbin"
missing=()
command -v mariadbd >/dev/null || missing+=(mariadb-server)
command -v shellcheck >/dev/null || missing+=(shellcheck)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v nginx >/dev/null || missing+=(nginx)
command -v jq >/dev/null || missing+=(jq)
command -v wrk >/dev/null || missing+=(wrk)
# cfn-lint is Python, not Debian's: pipx installs the version tests/infra/cfn-lint.test.ts expects.
if ! command -v cfn-lint >/dev/null; then
  command -v pipx >/dev/null || missing+=(pipx)
  install_cfn_lint=true
fi
if [ ${#missing[@]} -eq 0 ]; then
  [ "${install_cfn_lint:-false}" = false ] || pipx install --quiet cfn-lint==1.51.0 >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup: the tests need these Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing ${missing[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ "${install_cfn_lint:-false}" = false ] || pipx install --quiet cfn-lint==1.51.0 >&2
