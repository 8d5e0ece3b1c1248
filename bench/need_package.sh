# Sourced by benchmark scripts: `need_package COMMAND PACKAGE WHY` installs the Debian package
# PACKAGE with apt-get (through sudo unless root) when COMMAND is not on the PATH.
need_package() {
    command -v "$1" >/dev/null && return
    echo "$(basename "$0"): installing $2 for $3 (a benchmark-only dependency)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq "$2" >/dev/null ||
        { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" >/dev/null; }
}
