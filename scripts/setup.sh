#!/usr/bin/env bash
# Set up archbench in ./.venv and generate the bundled example data.
#
# CPU machines get the local CPU build torch==2.13.0 *before* anything else (constraints-cpu.txt), so no
# package can pull several GB of CUDA wheels. A host whose Python already has torch (a GPU host) keeps it:
# the venv sees system site-packages and no torch constraint is applied.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv --system-site-packages "$VENV"
fi
PY="$VENV/bin/python"

# constraints.txt pins every other package: installs resolve at once and runs are reproducible.
if "$PY" -c "import torch" >/dev/null 2>&1; then
  echo "setup: keeping the installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
  "$PY" -m pip install -q -c constraints.txt -e ".[text,dev,ray,tracking]"
else
  echo "setup: no torch here; installing the CPU build torch==2.13.0 first"
  "$PY" -m pip install -q -c constraints-cpu.txt torch==2.13.0
  "$PY" -m pip install -q -c constraints.txt -c constraints-cpu.txt -e ".[text,dev,ray,tracking]"
fi

# Example data is generated on demand (seeded, deterministic), never committed.
"$PY" datasets/fraud/generate.py --if-missing
"$PY" datasets/intents/generate.py --if-missing
[ -f datasets/product_qa/data/qa.csv ] || "$PY" datasets/product_qa/generate.py
echo "setup: done — run the example with: $VENV/bin/harness run datasets/fraud/decision.toml --adr-dir runs/adr"
