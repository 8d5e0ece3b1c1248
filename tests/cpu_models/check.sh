#!/usr/bin/env bash
# check.sh JITPC-CPU-MODELS SOURCE-ROOT [--update]: docs/cpu-models.md against a fresh
# generation from the models; --update rewrites it.
set -euo pipefail
tool=$1 root=$2
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
"$tool" >"$fresh"
if [ "${3:-}" = --update ]; then
    cp "$fresh" "$root/docs/cpu-models.md"
elif ! diff -u "$root/docs/cpu-models.md" "$fresh"; then
    echo "cpu-models: docs/cpu-models.md is stale: run tests/cpu_models/check.sh build/tests/cpu_models/jitpc-cpu-models . --update" >&2
    exit 1
fi
