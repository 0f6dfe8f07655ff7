#!/usr/bin/env bash
# Runs every test of rdx: the Rust workspace (unit, property, UI, stdlib, CLI tests) and the
# Python package's pytest suite. Works on a fresh machine: the Python side gets its own venv
# (.venv/) with the extension built by maturin into it, sharing cargo's target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

echo "== cargo test (workspace)"
cargo test --workspace --locked

if [ -f orchestrator/pyproject.toml ]; then
    echo "== python: build redoxa into .venv and run pytest"
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    # pandas: the DataFrame forms of Home.log and of experiments' rows are tested too.
    .venv/bin/python -m pip install --quiet pytest hypothesis pandas
    # Qiskit loads `rdx circuit`'s OpenQASM 3 in orchestrator/tests/test_circuits.py.
    .venv/bin/python -m pip install --quiet qiskit==2.6.1 qiskit-qasm3-import==0.6.0
    .venv/bin/python -m pip install --quiet ./orchestrator
    # rx.Peer tests start the rdx binary cargo test built.
    export RDX_BIN="$CARGO_TARGET_DIR/debug/rdx"
    .venv/bin/python -m pytest -q -W error orchestrator/tests
fi

echo "== editors/vscode: the TextMate grammars over every stdlib and Janus test program"
(cd editors/vscode && npm ci --no-audit --no-fund --loglevel=error && node test/grammar.test.js)
