#!/usr/bin/env bash
# Creates a Python venv with the packages that the tests' helper servers need
# (tests/support/smtp_sink.py needs aiosmtpd) and prints the venv's python
# path as the last line of stdout; everything else goes to stderr.
#
# The venv is target/test-venv under the crate root, or $HIREVET_TEST_VENV.
# Idempotent: a venv that already has the pinned version is left alone, so CI
# and repeated test runs pay for the install once.
set -euo pipefail
cd "$(dirname "$0")/.."

AIOSMTPD_VERSION=1.4.6
VENV="${HIREVET_TEST_VENV:-$(pwd)/target/test-venv}"
PY="$VENV/bin/python"

ready() {
    [ -x "$PY" ] && "$PY" -c "
import sys, importlib.metadata as m
sys.exit(m.version('aiosmtpd') != '$AIOSMTPD_VERSION')" 2>/dev/null
}

if ready; then
    echo "$PY"
    exit 0
fi

# Several test binaries may run this at once: one installs, the others wait
# for it and then find the venv ready.
mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9

if ! ready; then
    if [ -f "$VENV/pyvenv.cfg" ]; then
        # A venv from an interrupted run or another Python: make it afresh.
        python3 -m venv --clear "$VENV" >&2
    elif [ -e "$VENV" ] && [ -n "$(ls -A "$VENV")" ]; then
        # Not a venv: never wipe a directory that this script did not make.
        echo "setup_test_python: $VENV exists and is not a venv" >&2
        exit 1
    else
        python3 -m venv "$VENV" >&2
    fi
    "$PY" -m pip install --quiet --disable-pip-version-check \
        "aiosmtpd==$AIOSMTPD_VERSION" >&2
    ready || { echo "setup_test_python: aiosmtpd did not install" >&2; exit 1; }
fi
echo "$PY"
