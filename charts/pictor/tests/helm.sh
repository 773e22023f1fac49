#!/usr/bin/env bash
# Lints and renders the chart for every ci/*-values.yaml scenario with the pinned Helm, as the
# jest suites in this folder do. For a quick look outside jest:
#   charts/pictor/tests/helm.sh [output-dir]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
chart="$(dirname "$here")"
eval "$("$here/tools.sh")"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
for values in "$chart"/ci/*-values.yaml; do
  scenario="$(basename "$values" -values.yaml)"
  "$helm" lint --strict "$chart" -f "$values"
  "$helm" template pictor "$chart" --namespace pictor -f "$values" >"$out/$scenario.yaml"
  echo "rendered $scenario: $(grep -c '^kind:' "$out/$scenario.yaml") objects → $out/$scenario.yaml"
done
