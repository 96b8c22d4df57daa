#!/usr/bin/env bash
# Renders docs/architecture.dot to docs/architecture.svg (checked in, so that the docs show it without Graphviz).
# Needs Graphviz's dot: apt-get install -y --no-install-recommends graphviz
# Usage: docs/render.sh [PNG_FILE]   (also writes a PNG there, to look at the picture; not checked in)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v dot > /dev/null || { echo "render.sh: dot not found (apt-get install graphviz)" >&2; exit 2; }
dot -Tsvg "$here/architecture.dot" -o "$here/architecture.svg"
echo "wrote $here/architecture.svg"
if [ -n "${1:-}" ]; then
  dot -Tpng -Gdpi=110 "$here/architecture.dot" -o "$1"
  echo "wrote $1"
fi
