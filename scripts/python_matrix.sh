#!/usr/bin/env bash
# Proves the supported Pythons: for each of 3.11, 3.12 and 3.13, a fresh virtualenv
# (.venv-3.X), `make db` (what `make run` does before serving) and `make test`.
#
#   scripts/python_matrix.sh                 # interpreters from pyenv, else python3.X on PATH
#   scripts/python_matrix.sh 3.12 3.13       # only these
#
# The embedded PostgreSQL is stopped before each version, so each starts it from its own
# virtualenv's binaries, and at the end, so the next command starts it from .venv.
# Logs go to var/python-matrix/; exits non-zero if any version failed.
set -uo pipefail
cd "$(dirname "$0")/.."

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.11 3.12 3.13)
logs=var/python-matrix
mkdir -p "$logs"

interpreter() {
    local found
    found=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}/versions/$1."*/bin/python 2>/dev/null | sort -V | tail -1)
    [ -n "$found" ] || found=$(command -v "python$1" || true)
    echo "$found"
}

stop_server() {
    local venv
    for venv in .venv .venv-*; do
        [ -x "$venv/bin/python" ] && { "$venv/bin/python" -m config.embedded_db stop >/dev/null; return; }
    done
}

status=0
summary=()
for version in "${versions[@]}"; do
    python=$(interpreter "$version")
    if [ -z "$python" ]; then
        summary+=("$version  MISSING (no interpreter found)")
        status=1
        continue
    fi
    venv=".venv-$version"
    log="$logs/$version.log"
    echo "== Python $version ($python): fresh $venv, make db, make test (log: $log)"
    stop_server
    rm -rf "$venv"
    start=$(date +%s)
    if make db test PYTHON="$python" VENV="$venv" >"$log" 2>&1; then
        result="passed"
    else
        result="FAILED"
        status=1
    fi
    seconds=$(($(date +%s) - start))
    tests=$(grep -E '^=+ .*(passed|failed|error).* in ' "$log" | tail -1 | tr -d '=' | xargs)
    summary+=("$version  $("$python" --version 2>&1)  $result in ${seconds}s  ($tests)")
done
stop_server

echo
echo "Python matrix:"
printf '  %s\n' "${summary[@]}"
exit $status
