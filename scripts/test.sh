#!/usr/bin/env bash
# Runs every j3fs test on a fresh machine of the java-maven kind. Installs what the tests need when missing
# (the PostgreSQL server, fuse3, and fio, rsync and python3 for the FUSE mount test), builds with JDK 25 through ./mvnw (format check, -Xlint:all -Werror, tests),
# and ends with one line counting the tests: "Tests: N passed, N failed, N skipped".
set -uo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$ROOT"

missing=()
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
command -v fusermount3 >/dev/null 2>&1 || missing+=(fuse3)
# The FUSE mount test runs real tools on the mount.
command -v fio >/dev/null 2>&1 || missing+=(fio)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq || exit 1
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" || exit 1
fi

. "$ROOT/scripts/jdk25.sh"

./mvnw -B clean verify "$@"
status=$?

# One closing line for the whole reactor, from the Surefire reports of this run.
read -r total failures errors skipped < <(
  find "$ROOT" -path '*/target/surefire-reports/TEST-*.xml' -print0 2>/dev/null |
    xargs -0 -r grep -h -o '<testsuite [^>]*' |
    awk '{
      for (i = 1; i <= NF; i++) {
        split($i, kv, "=");
        gsub(/"/, "", kv[2]);
        if (kv[1] == "tests") t += kv[2];
        if (kv[1] == "failures") f += kv[2];
        if (kv[1] == "errors") e += kv[2];
        if (kv[1] == "skipped") s += kv[2];
      }
    } END { printf "%d %d %d %d\n", t, f, e, s }'
)
failed=$((failures + errors))
passed=$((total - failed - skipped))
echo "Tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -eq 0 ] && [ "$total" -eq 0 ]; then
  echo "test.sh: no tests ran" >&2
  exit 1
fi
exit "$status"
