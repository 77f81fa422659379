#!/usr/bin/env bash
# Run every test tier (unit, service, http, browser) on SQLite and PostgreSQL.
# As root it installs what it needs (PostgreSQL, Chromium, Redis, fonts, Poppler) with apt-get; otherwise it uses what
# is there and says exactly what to install. A throwaway PostgreSQL runs on loopback and is
# stopped afterwards. KESHER_REQUIRE_ALL=1 turns every would-be skip into a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

say() { printf '\n==> %s\n' "$*"; }
missing=()

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
CHROMIUM=${KESHER_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || need_apt+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans Hebrew" || need_apt+=(fonts-noto-core)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)  # the PDF tests render pages to look at them

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "Installing system packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q "${need_apt[@]}" >/dev/null \
      || echo "apt-get install ${need_apt[*]} failed"
    CHROMIUM=${KESHER_CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
  else
    missing+=("sudo apt-get install -y ${need_apt[*]}")
  fi
fi

PG_DIR=""
REDIS_DIR=""
cleanup() {
  [ -n "$PG_DIR" ] && scripts/postgres.sh stop "$PG_DIR"
  [ -n "$REDIS_DIR" ] && scripts/redis.sh stop "$REDIS_DIR"
  return 0
}
trap cleanup EXIT

if [ -z "${KESHER_TEST_POSTGRES_URL:-}" ]; then
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    PG_DIR=$(mktemp -d /tmp/kesher-pg.XXXXXX)
    if url=$(scripts/postgres.sh start "$PG_DIR"); then
      export KESHER_TEST_POSTGRES_URL=$url
      say "PostgreSQL (throwaway) at $url"
    else
      missing+=("PostgreSQL did not start: see $PG_DIR/pg.log")
    fi
  else
    missing+=("PostgreSQL server: sudo apt-get install -y postgresql")
  fi
fi

if [ -z "${KESHER_TEST_REDIS_URL:-}" ]; then
  if command -v redis-server >/dev/null; then
    REDIS_DIR=$(mktemp -d /tmp/kesher-redis.XXXXXX)
    if url=$(scripts/redis.sh start "$REDIS_DIR"); then
      export KESHER_TEST_REDIS_URL=$url
      say "Redis (throwaway) at $url"
    else
      missing+=("Redis did not start: see $REDIS_DIR/redis.log")
    fi
  else
    missing+=("Redis server: sudo apt-get install -y redis-server")
  fi
fi

if [ -n "$CHROMIUM" ]; then
  export KESHER_CHROMIUM=$CHROMIUM
else
  missing+=("Chromium: sudo apt-get install -y chromium")
fi

if [ ${#missing[@]} -gt 0 ]; then
  say "SOME TEST TIERS CANNOT RUN HERE AND WILL BE SKIPPED. To run them:"
  printf '    %s\n' "${missing[@]}"
fi

say "Lint: ruff and mypy"
"$VENV/bin/ruff" check . || exit 1
"$VENV/bin/ruff" format --check . || exit 1
"$VENV/bin/mypy" marketplace pricing campaigns || exit 1

say "pytest (SQLite${KESHER_TEST_POSTGRES_URL:+ and PostgreSQL}${KESHER_TEST_REDIS_URL:+, Redis}${KESHER_CHROMIUM:+, Chromium})"
"$VENV/bin/pytest" "$@"
rc=$?
if [ $rc -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose"
  exit 1
fi
exit $rc
