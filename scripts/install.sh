#!/usr/bin/env bash
# The one install step, used by the README quick start, .ci/run and the Dockerfile.
#   scripts/install.sh          install Pulse Curator into ./.venv (or $CURATOR_VENV)
#   scripts/install.sh --dev    ... plus the test and lint tools
# Needs Python 3.11 ($PYTHON to pick the interpreter). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CURATOR_VENV:-.venv}"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "install.sh: Python 3.11 is required; '$python' is $("$python" --version 2>&1). Set PYTHON=/path/to/python3.11." >&2
  exit 2
fi
say() { echo "install.sh: $*" >&2; }
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv with $("$python" --version 2>&1)"
  "$python" -m venv "$venv"
fi
say "updating pip in $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
extra=""
editable="-e"
for arg in "$@"; do
  case "$arg" in
    --dev) extra="[dev]" ;;
    --no-editable) editable="" ;;
    *) echo "install.sh: unknown option $arg (use --dev, --no-editable)" >&2; exit 2 ;;
  esac
done
say "installing Pulse Curator${extra:+ with the test and lint tools} and its dependencies (a few minutes on a fresh machine; pip's own warnings may follow)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check $editable ".${extra}"
say "done: $venv/bin/curator"
