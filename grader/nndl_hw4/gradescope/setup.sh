#!/usr/bin/env bash
# Gradescope runs this ONCE, as root, when it builds the autograder image (it has
# internet then, not necessarily later). It installs Python >= 3.11 and bubblewrap
# (the sandbox for student code), the grader (the wheel beside this script, with its
# dependencies from PyPI) in a venv, and downloads CIFAR-10 for the final part.
# NNDL_HW4_AUTOGRADER_ROOT (default /autograder) and NNDL_HW4_CIFAR10_DIR (default
# $ROOT/cifar10) relocate it, as in run_autograder.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${NNDL_HW4_AUTOGRADER_ROOT:-/autograder}"
CIFAR10_DIR="${NNDL_HW4_CIFAR10_DIR:-$ROOT/cifar10}"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive

apt-get update -q
apt-get install -y -q bubblewrap

recent_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
PY="$(recent_python)" || { apt-get install -y -q python3.11 python3.11-venv && PY=python3.11; }
"$PY" -m venv "$VENV" 2>/dev/null || {
    apt-get install -y -q "$(basename "$PY")-venv" || apt-get install -y -q python3-venv
    "$PY" -m venv "$VENV"
}
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "$SOURCE"/nndl_hw4-*.whl

# The final part is scored on CIFAR-10 (md5-checked; run_autograder finds it here).
"$VENV/bin/nndl-hw4" data download --dir "$CIFAR10_DIR" --quiet
"$VENV/bin/nndl-hw4" --version
