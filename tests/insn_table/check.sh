#!/usr/bin/env bash
# check.sh JITPC-INSN-TABLE SOURCE-ROOT [--update]: the committed files generated from the
# instruction table against a fresh generation (--update rewrites them), and the counts README's
# status table quotes from docs/instructions.md.
set -euo pipefail
tool=$1 root=$2
status=0
for pair in "--zydis-facts cpu/insn_zydis_facts.inc" "--doc docs/instructions.md"; do
    read -r flag file <<<"$pair"
    fresh=$(mktemp)
    "$tool" "$flag" >"$fresh"
    if [ "${3:-}" = --update ]; then
        cp "$fresh" "$root/$file"
    elif ! diff -u "$root/$file" "$fresh"; then
        echo "insn-table: $file is stale: run tests/insn_table/check.sh build/jitpc-insn-table . --update" >&2
        status=1
    fi
    rm -f "$fresh"
done
# README's status table quotes the counts of the doc's first paragraph.
counts=$(grep -o '^[0-9]* mnemonics (Zydis.s names), [0-9]* with a JIT emitter' "$root/docs/instructions.md" |
         sed 's/ (Zydis.s names)//')
if [ -z "$counts" ] || ! grep -qF "($counts;" "$root/README.md"; then
    echo "insn-table: README.md does not say '($counts; ...' (docs/instructions.md's counts)" >&2
    status=1
fi
exit $status
