# Sourced by the shell test scripts that count their own checks (their last line is
# "N passed, M failed"): `ok` counts a check that held, `bad WHAT` one that failed, saying what.
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
