#!/bin/sh
# run_conform_tests.sh JITPC KERNELS: `jitpc conform`'s contract. A small differential campaign whose
# report must equal the one committed (expected/diff-small.json); a deliberately wrong
# reference that must be reported in every format; four shards run with GNU parallel and one
# run with --jobs 2, whose merged reports must equal the single run's; the progress bar on a
# terminal only; usage and host-side errors in one line with status 1. Ends with
# "N passed, M failed". KERNELS holds the built-in test kernels (tests/conform/kernels).
jitpc=$1
kernels=$2
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/../lib/tally.sh"

# Most campaigns compare with the host CPU: on a host that cannot run the reference (see
# difftest/native.h) the test is skipped, with the reason.
if ! "$jitpc" conform diff --cases 1 --seed 1 --ops arith > /dev/null 2> "$dir/probe" &&
   grep -q "this host cannot run the reference" "$dir/probe"; then
    echo "skipped: $(sed 's/^jitpc: conform: //' "$dir/probe")"
    exit 77
fi

# expect STATUS DESCRIPTION COMMAND...: the exit status of COMMAND (stdout and stderr kept in
# $dir/out and $dir/err).
expect() {
    want=$1 what=$2; shift 2
    "$@" > "$dir/out" 2> "$dir/err"
    got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "$what: status $got, expected $want"; cat "$dir/err"; fi
}
# expect_error DESCRIPTION COMMAND...: status 1 and exactly one "jitpc: conform: " line on stderr.
expect_error() {
    what=$1; shift
    expect 1 "$what" "$@"
    if [ "$(wc -l < "$dir/err")" -eq 1 ] && grep -q '^jitpc: conform: ' "$dir/err"; then ok
    else bad "$what: stderr is not one 'jitpc: conform:' line:"; cat "$dir/err"; fi
}
same() {
    if cmp -s "$1" "$2"; then ok; else bad "$3: $1 and $2 differ"; diff "$1" "$2" | head -20; fi
}

# The known campaign: 600 cases of three classes in both modes against the host CPU.
small="diff --cases 600 --seed 5 --ops arith,shift,x87 --cpu pentium2"
expect 0 "small campaign" "$jitpc" conform $small --json "$dir/small.json" --junit "$dir/small.xml" --html "$dir/small.html"
same "$here/expected/diff-small.json" "$dir/small.json" "small campaign's report against the known one"
grep -q 'jitpc conform diff: 600 cases, 600 passed, 0 failed' "$dir/out" && ok || bad "small campaign's summary line"
[ ! -s "$dir/err" ] && ok || bad "stderr not empty without a terminal (a progress bar?)"
grep -q '<testsuites name="jitpc conform diff" tests="6" failures="0">' "$dir/small.xml" && ok || bad "JUnit header"
grep -q '<table class="classes" data-mode="32">' "$dir/small.html" && grep -q '<svg' "$dir/small.html" && ok ||
    bad "HTML table and chart"
grep -Eq '(src|href)="https?:' "$dir/small.html" && bad "HTML loads something from the network" || ok

# The same through the interpreter as the reference of the JIT (no host child).
expect 0 "interp reference" "$jitpc" conform diff --cases 300 --seed 5 --reference interp --cpu max

# A wrong reference: case 17's reference result corrupted (a hidden test flag) must fail the
# campaign (status 4) and be named in every report, against the host and the interpreter.
for ref in host interp; do
    expect 4 "corrupted $ref reference" "$jitpc" conform $small --reference $ref --test-corrupt-case 17 \
        --json "$dir/bad.json" --junit "$dir/bad.xml" --html "$dir/bad.html"
    grep -q '"failed": 1,$' "$dir/bad.json" && grep -q '"case": 17,' "$dir/bad.json" && ok ||
        bad "corrupted $ref reference: case 17 not the one failure in the JSON"
    grep -q '<failure type="mismatch" message="1 of [0-9]* cases failed; first: case 17: ' "$dir/bad.xml" && ok ||
        bad "corrupted $ref reference: no JUnit failure for case 17"
    grep -q '<tr class="failed"><td>[a-z0-9]*</td><td class="n">[0-9]*</td><td class="n">1</td><td class="n">0</td><td>case 17: ' "$dir/bad.html" &&
        ok || bad "corrupted $ref reference: no failed row in the HTML"
    grep -q '^FAIL ' "$dir/out" && ok || bad "corrupted $ref reference: no FAIL line"
done

# Reproducers: the corrupted case written with --repro runs on jitpc as a test kernel whose one
# FAIL: line is the corrupted byte (every other register, flag and byte ends as the reference's,
# so the stub recreates the oracle's environment), in 16-, 32- and 64-bit code and with SSE.
for spec in "arith 4 32" "stack 5 16" "sse 6 32" "arith 4 64" "stack 5 64" "sse 6 64"; do
    set -- $spec
    rm -rf "$dir/repro"
    expect 4 "--repro ($1)" "$jitpc" conform diff --cases 40 --seed 3 --ops "$1" --mode "$3" --cpu max \
        --test-corrupt-case "$2" --repro "$dir/repro" --json "$dir/repro.json"
    grep -q "\"repro\": \"$dir/repro/case$2.flat\"" "$dir/repro.json" && ok || bad "--repro ($1): no reproducer in the report"
    grep -q '^expected (the reference):' "$dir/repro/case$2.txt" && grep -q '^actual (jitpc):' "$dir/repro/case$2.txt" &&
        ok || bad "--repro ($1): the text lacks the expected or actual state"
    for engine in jit interp; do
        timeout 30 "$jitpc" -nographic -cpu max -engine $engine -kernel "$dir/repro/case$2.flat" > "$dir/rout" 2>&1
        status=$?
        if [ "$status" -eq 3 ] && [ "$(grep -c '^FAIL: ' "$dir/rout")" -eq 1 ] &&
            grep -q '^FAIL: byte at 0x804000 + #00000000: expected' "$dir/rout"; then ok
        else bad "--repro ($1, $engine): status $status, want 3 and the corrupted byte alone:"; head -5 "$dir/rout"; fi
    done
done
set -- "$jitpc" "$kernels"

# Shards: 4 shards with GNU parallel, merged, equal the single run in JSON and JUnit; so do
# --jobs 2 and a merge of the corrupted campaign's shards.
if command -v parallel > /dev/null; then
    parallel --will-cite "$jitpc" conform $small --shard {}/4 --json "$dir/shard{}.json" ::: 0 1 2 3 > /dev/null
    expect 0 "merge of 4 shards" "$jitpc" conform merge "$dir"/shard0.json "$dir"/shard1.json "$dir"/shard2.json \
        "$dir"/shard3.json --json "$dir/merged.json" --junit "$dir/merged.xml"
    same "$dir/small.json" "$dir/merged.json" "merged shards' JSON"
    same "$dir/small.xml" "$dir/merged.xml" "merged shards' JUnit"
    parallel --will-cite "$jitpc" conform $small --test-corrupt-case 17 --shard {}/4 --json "$dir/bad{}.json" ::: 0 1 2 3 > /dev/null
    "$jitpc" conform $small --test-corrupt-case 17 --json "$dir/bad.json" > /dev/null
    expect 4 "merge of 4 failing shards" "$jitpc" conform merge "$dir"/bad3.json "$dir"/bad1.json "$dir"/bad0.json \
        "$dir"/bad2.json --json "$dir/badmerged.json"
    same "$dir/bad.json" "$dir/badmerged.json" "merged failing shards' JSON"
    expect_error "overlapping shards" "$jitpc" conform merge "$dir"/shard0.json "$dir"/shard0.json
    expect_error "shards of another campaign" "$jitpc" conform merge "$dir"/shard0.json "$dir"/bad1.json
else
    bad "GNU parallel is not installed (scripts/install-deps installs it)"
fi
expect 0 "--jobs 2" "$jitpc" conform $small --jobs 2 --json "$dir/jobs.json" --junit "$dir/jobs.xml"
same "$dir/small.json" "$dir/jobs.json" "--jobs 2 JSON"
same "$dir/small.xml" "$dir/jobs.xml" "--jobs 2 JUnit"

# export and singlestep: a corpus exported (one instruction per case, the host's results) runs
# clean, also gzipped; a changed final value, a malformed case, a cut file and a file that is
# not JSON are each reported (status 4) while every other case still runs.
expect 0 "export" "$jitpc" conform export --mode 32 --cases 300 --seed 9 --cpu max "$dir/corpus"
ls "$dir"/corpus/*.json > /dev/null 2>&1 && ok || bad "export wrote no .json file"
expect 0 "export 16-bit" "$jitpc" conform export --mode 16 --cases 100 --seed 9 "$dir/corpus16"
expect 0 "singlestep of the exported corpus" "$jitpc" conform singlestep "$dir/corpus" --cpu max --json "$dir/ss.json"
grep -q 'jitpc conform singlestep: 300 cases, 300 passed, 0 failed' "$dir/out" && ok || bad "singlestep summary"
expect 0 "singlestep of the 16-bit corpus through the JIT" "$jitpc" conform singlestep "$dir/corpus16" --engine jit
gzip "$dir/corpus/ADC.json"
expect 0 "singlestep reads .json.gz" "$jitpc" conform singlestep "$dir/corpus" --cpu max
grep -q 'jitpc conform singlestep: 300 cases, 300 passed, 0 failed' "$dir/out" && ok || bad "the gzipped file's cases were not run"
# The first case of MOV.json gets a wrong final EIP; the first case of XOR.json a byte that is no byte.
python3 - "$dir/corpus" << 'PY'
import json, sys
d = sys.argv[1]
t = json.load(open(d + "/MOV.json")); t[0]["final"]["regs"]["eip"] += 1; json.dump(t, open(d + "/MOV.json", "w"))
t = json.load(open(d + "/XOR.json")); t[0]["bytes"][0] = "x"; json.dump(t, open(d + "/XOR.json", "w"))
open(d + "/CUT.json", "w").write(open(d + "/AND.json").read()[:500])
open(d + "/NOISE.json", "wb").write(bytes(range(256)) * 4)
PY
expect 4 "singlestep of a damaged corpus" "$jitpc" conform singlestep "$dir/corpus" --cpu max --json "$dir/ss.json"
grep -q '^FAIL 32 MOV: 1 of ' "$dir/out" && ok || bad "the changed final state was not reported"
grep -q '"detail": "malformed case: .bytes. is not a number' "$dir/ss.json" && ok || bad "the malformed case was not reported"
grep -q '"class": "CUT",' "$dir/ss.json" && grep -q '"class": "NOISE",' "$dir/ss.json" && ok || bad "broken files not reported"
grep -q 'jitpc conform singlestep: 302 cases, 298 passed, 4 failed' "$dir/out" && ok || bad "damaged corpus summary: $(tail -1 "$dir/out")"
# 64-bit code (--mode 64, the max model by default): a campaign, its exported corpus run clean on
# a model with long mode and refused case by case on one without.
expect 0 "64-bit campaign" "$jitpc" conform diff --mode 64 --cases 400 --seed 5 --ops arith,datamov,sse --json "$dir/d64.json"
grep -q 'jitpc conform diff: 400 cases, 400 passed, 0 failed' "$dir/out" && grep -q '"mode": "64"' "$dir/d64.json" && ok ||
    bad "64-bit campaign: $(tail -1 "$dir/out")"
expect 4 "corrupted 64-bit reference" "$jitpc" conform diff --mode 64 --cases 40 --seed 5 --test-corrupt-case 7 --json "$dir/bad64.json"
grep -q '"failed": 1,$' "$dir/bad64.json" && grep -q '"case": 7,' "$dir/bad64.json" && ok ||
    bad "corrupted 64-bit reference: case 7 not the one failure in the JSON"
expect 0 "export 64-bit" "$jitpc" conform export --mode 64 --cases 200 --seed 9 "$dir/corpus64"
grep -q '"r15": ' "$dir/corpus64/MOV.json" && cat "$dir"/corpus64/*.json | grep -q '"xmm15": ' && ok || bad "64-bit corpus without R15 or XMM15"
expect 0 "singlestep of the 64-bit corpus" "$jitpc" conform singlestep "$dir/corpus64" --cpu max
grep -q 'jitpc conform singlestep: 200 cases, 200 passed, 0 failed' "$dir/out" && ok || bad "64-bit singlestep: $(tail -1 "$dir/out")"
expect 4 "singlestep of the 64-bit corpus on pentium2" "$jitpc" conform singlestep "$dir/corpus64" --json "$dir/ss64.json"
grep -q 'needs a CPU model with long mode' "$dir/ss64.json" && ok || bad "64-bit cases on pentium2 not refused"
expect_error "64-bit cases on a model without long mode" "$jitpc" conform diff --mode 64 --cpu pentium2
# Real-mode corpora in SingleStepTests' 8088 and 80286 layout (tests/conform/realmode: cases
# written for these tests, the CPU from metadata.json or --corpus-cpu): the cases jitpc's models
# run alike pass (undefined flags masked, the 80286's HALT after each instruction, an exception's
# frame), a wrong final value fails, and each difference of the generation by design (POP CS,
# PUSH SP, shift counts, the 8086's divide error, the 80286's SMSW) is skipped with its reason.
expect 4 "8088 corpus" "$jitpc" conform singlestep "$here/realmode/8088" --json "$dir/r8088.json"
grep -q 'jitpc conform singlestep: 7 cases, 2 passed, 1 failed, 4 skipped' "$dir/out" && ok || bad "8088 corpus: $(tail -1 "$dir/out")"
grep -q '"detail": "ram 010110: expected 47, jitpc 46' "$dir/r8088.json" && ok || bad "8088 corpus: the wrong value not reported"
[ "$(grep -c '"by design: ' "$dir/r8088.json")" -eq 4 ] && ok || bad "8088 corpus: not four reasons by design"
expect 0 "80286 corpus" "$jitpc" conform singlestep "$here/realmode/80286" --corpus-cpu 80286 --json "$dir/r286.json"
grep -q 'jitpc conform singlestep: 4 cases, 3 passed, 0 failed, 1 skipped' "$dir/out" && ok || bad "80286 corpus: $(tail -1 "$dir/out")"
grep -q '"by design: SMSW' "$dir/r286.json" && ok || bad "80286 corpus: SMSW's reason missing"
expect 4 "a real-mode corpus without its CPU" "$jitpc" conform singlestep "$here/realmode/80286" --json "$dir/r286.json"
grep -q 'name its CPU with --corpus-cpu' "$dir/r286.json" && ok || bad "a real-mode corpus without its CPU: not said"
expect_error "an unknown corpus CPU" "$jitpc" conform singlestep "$here/realmode/80286" --corpus-cpu z80
mkdir -p "$dir/badmeta" && cp "$here/realmode/80286/00.json" "$dir/badmeta/" && echo '{"cpu": 8088}' > "$dir/badmeta/metadata.json"
expect_error "a malformed metadata.json" "$jitpc" conform singlestep "$dir/badmeta"
expect_error "export without --mode" "$jitpc" conform export --cases 1 --seed 1 "$dir/x"
expect_error "singlestep of nothing" "$jitpc" conform singlestep "$dir/none"
mkdir "$dir/empty"
expect_error "singlestep of an empty directory" "$jitpc" conform singlestep "$dir/empty"

# kernels: the built-in suite (unittests.cfg) has a verdict for each test, the same under
# --jobs 2, and the same again on a second emulator given by --emulator (here jitpc's
# interpreter, standing for the user's own); without a config every kernel file is a test.
mkdir "$dir/ks"
cp "$kernels"/*.flat "$here/kernels/unittests.cfg" "$dir/ks/"
expect 4 "kernels suite" "$jitpc" conform kernels "$dir/ks" --timeout 20 --json "$dir/k.json" --junit "$dir/k.xml"
grep -q 'jitpc conform kernels: 7 cases, 2 passed, 4 failed, 1 skipped' "$dir/out" && ok || bad "kernels summary: $(tail -1 "$dir/out")"
python3 - "$dir/k.json" << 'PY' && ok || bad "kernels verdicts"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["class"]: x for x in r["classes"]}
f = {x["class"]: x["detail"] for x in r["failures"]}
assert c["pass"]["failed"] == 0 and c["pass"]["lines"] == {"PASS": 2, "SKIP": 1}, c["pass"]
assert c["pass_interp"]["failed"] == 0, c["pass_interp"]
assert f["fail"].startswith("exit code 1\nFAIL: the second check"), f["fail"]
assert c["fail"]["lines"] == {"FAIL": 1, "PASS": 1}, c["fail"]
assert f["hang"].startswith("timed out after 2 s\noutput ends:\nPASS: started"), f["hang"]
assert f["crash"].startswith("ended with status 0"), f["crash"]
assert "has no file=" in f["no_file"], f["no_file"]
assert c["other_arch"]["skipped"] == 1 and c["other_arch"]["failed"] == 0, c["other_arch"]
PY
grep -q '<testcase classname="kernels.jitpc" name="other_arch">' "$dir/k.xml" && grep -q '<skipped message=' "$dir/k.xml" &&
    ok || bad "kernels JUnit: the skipped test"
expect 4 "kernels suite, --jobs 2" "$jitpc" conform kernels "$dir/ks" --timeout 20 --jobs 2 --json "$dir/k2.json"
same "$dir/k.json" "$dir/k2.json" "kernels --jobs 2 JSON"
expect 4 "kernels suite on a second emulator" "$jitpc" conform kernels "$dir/ks" --timeout 20 \
    --emulator "$jitpc -nographic -no-reboot -engine interp" --json "$dir/ke.json"
grep -q 'jitpc conform kernels: 14 cases, 4 passed, 8 failed, 2 skipped' "$dir/out" && ok || bad "two emulators: $(tail -1 "$dir/out")"
grep -q '"mode": "jitpc (--emulator)",' "$dir/ke.json" && ok || bad "the second emulator's mode"
expect 4 "kernels with jitpc options after --" "$jitpc" conform kernels "$dir/ks" --timeout 20 --json "$dir/ko.json" -- -engine interp
grep -q '"jitpc_options": \["-engine", "interp"\]' "$dir/ko.json" && ok || bad "jitpc options in the parameters"
mkdir "$dir/bare"
cp "$kernels"/pass.flat "$kernels"/fail.flat "$dir/bare/"
echo "not a kernel" > "$dir/bare/README"
expect 4 "kernels without a config" "$jitpc" conform kernels "$dir/bare" --timeout 20
grep -q 'jitpc conform kernels: 2 cases, 1 passed, 1 failed' "$dir/out" && ok || bad "bare directory: $(tail -1 "$dir/out")"
expect 4 "kernels of a missing directory" "$jitpc" conform kernels "$dir/none"
grep -q '^FAIL jitpc (directory): 1 of 1' "$dir/out" && ok || bad "missing directory not reported as a case"
printf '[pass]\nfile = pass.flat\nthis line is wrong\n' > "$dir/bare/unittests.cfg"
expect 4 "kernels with a broken config line" "$jitpc" conform kernels "$dir/bare" --timeout 20
grep -q 'jitpc conform kernels: 2 cases, 1 passed, 1 failed' "$dir/out" && ok || bad "broken config: $(tail -1 "$dir/out")"

# rom: the ROM test's debug-port output against its reference; against a wrong one the first
# differing line is named with the OUT instruction that wrote it (an OUT in the ROM's bytes).
rom="$kernels/hello_rom.rom"
expect 0 "rom against its reference" "$jitpc" conform rom "$rom" --expect "$here/kernels/hello_rom.expect" \
    --emulator "$jitpc -nographic -no-reboot -engine interp"
grep -q 'jitpc conform rom: 2 cases, 2 passed, 0 failed' "$dir/out" && ok || bad "rom summary: $(tail -1 "$dir/out")"
expect 4 "rom against a wrong reference" "$jitpc" conform rom "$rom" --expect "$here/kernels/hello_rom_wrong.expect" \
    --json "$dir/rom.json"
python3 - "$dir/rom.json" "$rom" << 'PY' && ok || bad "rom: the first differing line and its instruction"
import json, re, sys
detail = json.load(open(sys.argv[1]))["failures"][0]["detail"]
assert detail.startswith("line 2: expected 'line 2', got 'line two'\nwritten by the instruction at f000:"), detail
eip = int(re.search(r"at f000:([0-9a-f]+) out", detail).group(1), 16)
assert open(sys.argv[2], "rb").read()[eip] in (0xE6, 0xEE), detail   # OUT imm8 / OUT DX
PY
expect_error "rom without --expect" "$jitpc" conform rom "$rom"
expect_error "rom of a missing image" "$jitpc" conform rom "$dir/none.rom" --expect "$here/kernels/hello_rom.expect"

# A progress bar on a terminal only (util-linux's script gives the run a pseudo-terminal).
script -qec "$jitpc conform diff --cases 3000 --seed 5 --ops arith" /dev/null > "$dir/tty" 2>&1
grep -q '\[#*  *\] *[0-9]*% [0-9]*/3000 cases, 0 failed' "$dir/tty" && ok || bad "no progress bar on a terminal"

# Usage and host-side errors: one line, status 1.
expect_error "no campaign" "$jitpc" conform
expect_error "unknown campaign" "$jitpc" conform bogus
expect_error "bad mode" "$jitpc" conform diff --mode 8
expect_error "unknown option" "$jitpc" conform diff --frobnicate 1
expect_error "option without a value" "$jitpc" conform diff --cases
expect_error "option given twice" "$jitpc" conform diff --cases 1 --cases 2
expect_error "bad number" "$jitpc" conform diff --cases -5
expect_error "zero cases" "$jitpc" conform diff --cases 0
expect_error "shard out of range" "$jitpc" conform diff --shard 4/4
expect_error "malformed shard" "$jitpc" conform diff --shard 1
expect_error "unknown group" "$jitpc" conform diff --ops nosuch
expect_error "SSE on pentium2" "$jitpc" conform diff --ops sse --cpu pentium2
expect_error "unknown model" "$jitpc" conform diff --cpu 8086
expect_error "interp against interp" "$jitpc" conform diff --reference interp --engine interp
expect_error "unwritable report" "$jitpc" conform diff --cases 10 --json /nonexistent/dir/r.json
expect_error "merge of nothing" "$jitpc" conform merge
expect_error "merge of a missing file" "$jitpc" conform merge "$dir/none.json"
printf '{"format": "jitpc-conform", "version": 1, "campaign": "diff", "parameters": {}, "ran": [[0, 5]' > "$dir/cut.json"
expect_error "merge of a truncated report" "$jitpc" conform merge "$dir/cut.json"
printf '{"format": "jitpc-conform", "version": 2}' > "$dir/v2.json"
expect_error "merge of a newer report" "$jitpc" conform merge "$dir/v2.json"
expect 0 "--help" "$jitpc" conform --help
grep -q 'jitpc conform diff' "$dir/out" && ok || bad "--help names the diff campaign"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
