#!/usr/bin/env bash
# deploy/smoke.sh: follow the README's production guide ("Deploying in production") on this
# machine, in a throwaway way, and check that the result works end to end.
#
#   bash deploy/smoke.sh            # from anywhere; needs PostgreSQL and Redis on 127.0.0.1
#
# It creates a role and a database servicecraft_smoke_<random> (PostgreSQL on
# $SMOKE_PG_HOST:$SMOKE_PG_PORT, superuser $SMOKE_PG_USER, trust or ~/.pgpass), writes an
# environment file from deploy/servicecraft.env.sample, installs, migrates, loads the demo,
# creates an admin, starts gunicorn and an RQ worker with the ExecStart lines of the systemd
# units in deploy/, checks GET /healthz, signs in as manager@demo.test, builds a scorecard PDF
# pack on the worker and downloads it. On exit (success or not) it stops both processes, drops
# the database and the role, empties the Redis database it used and removes its folder.
# Exit 0 when every step passed; otherwise the failing step is named and the logs are shown.
#
# Settings: SMOKE_PG_HOST (127.0.0.1), SMOKE_PG_PORT (5432), SMOKE_PG_USER (postgres),
# SMOKE_REDIS (redis://127.0.0.1:6379), SMOKE_REDIS_DB (a free one of 1..15), SMOKE_KEEP=1 keeps
# the folder with the env file and logs, SMOKE_SKIP_INSTALL=1 skips `make install`.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_HOST=${SMOKE_PG_HOST:-127.0.0.1}
PG_PORT=${SMOKE_PG_PORT:-5432}
PG_USER=${SMOKE_PG_USER:-postgres}
REDIS_BASE=${SMOKE_REDIS:-redis://127.0.0.1:6379}
PY="$ROOT/.venv/bin/python"
STEP="starting"
WORK="" WEB_PID="" WORKER_PID="" DB_CREATED="" ROLE_CREATED="" REDIS_DB=""

say() { printf '\n==> %s\n' "$*"; STEP="$*"; }
fail() { printf '\nsmoke FAILED at "%s": %s\n' "$STEP" "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed ($2)"; }
pg() { "$@" -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER"; }
redis() { "$PY" - "$REDIS_BASE/$REDIS_DB" "$@" <<'EOF'
import sys
from redis import Redis
r = Redis.from_url(sys.argv[1])
if sys.argv[2] == "dbsize":
    print(r.dbsize())
elif sys.argv[2] == "flushdb":
    r.flushdb()
EOF
}

stop() {  # stop PID by SIGTERM (what systemd sends), then SIGKILL after $2 seconds
    local pid=$1 grace=$2
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq $((grace * 10))); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "pid $pid did not stop in ${grace}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT
    set +e
    if [ "$status" -ne 0 ] && [ -n "$WORK" ]; then
        for log in "$WORK"/*.log; do
            [ -s "$log" ] && { printf '\n--- last lines of %s\n' "$log" >&2; tail -n 40 "$log" >&2; }
        done
    fi
    printf '\n==> cleaning up\n'
    stop "$WEB_PID" 30
    stop "$WORKER_PID" 30
    [ -n "$DB_CREATED" ] && pg dropdb --if-exists --force "$NAME" && echo "dropped database $NAME"
    [ -n "$ROLE_CREATED" ] && pg dropuser --if-exists "$NAME" && echo "dropped role $NAME"
    [ -n "$REDIS_DB" ] && redis flushdb && echo "emptied Redis database $REDIS_DB"
    if [ -n "$WORK" ]; then
        if [ "${SMOKE_KEEP:-}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
    fi
    if [ "$status" -eq 0 ]; then echo "smoke passed"; else echo "smoke failed (exit $status)" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- what this machine needs ------------------------------------------------------------------
say "checking the tools"
need curl "apt-get install curl"
need createdb "apt-get install postgresql-client"
need psql "apt-get install postgresql-client"
need make "apt-get install make"
[ -x "$PY" ] || [ "${SMOKE_SKIP_INSTALL:-}" != 1 ] || fail "$ROOT/.venv is missing; run make install"
pg psql -d postgres -tAc "select 1" >/dev/null || fail "cannot reach PostgreSQL as $PG_USER on $PG_HOST:$PG_PORT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/servicecraft-smoke.XXXXXX")
NAME="servicecraft_smoke_$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"
COOKIES="$WORK/cookies.txt"

# --- README step 1: the database and its role -------------------------------------------------
say "1. PostgreSQL: role and database $NAME"
PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
pg psql -d postgres -v ON_ERROR_STOP=1 -qc "CREATE ROLE $NAME LOGIN PASSWORD '$PASSWORD'" || fail "could not create the role"
ROLE_CREATED=1
pg createdb --owner "$NAME" "$NAME" || fail "could not create the database"
DB_CREATED=1

# --- README step 2: the code (here: this checkout) and `make install` ---------------------------
say "2. install (make install)"
if [ "${SMOKE_SKIP_INSTALL:-}" = 1 ]; then
    echo "skipped (SMOKE_SKIP_INSTALL=1)"
else
    make -C "$ROOT" --no-print-directory install || fail "make install failed"
fi
[ -x "$ROOT/.venv/bin/servicecraft" ] || fail "make install did not produce .venv/bin/servicecraft"

# --- a free Redis database and a free port ----------------------------------------------------
say "a free Redis database on $REDIS_BASE and a free port"
"$PY" -c 'import sys; from redis import Redis; Redis.from_url(sys.argv[1]).ping()' "$REDIS_BASE/0" 2>/dev/null \
    || fail "cannot reach Redis at $REDIS_BASE"
if [ -n "${SMOKE_REDIS_DB:-}" ]; then
    REDIS_DB=$SMOKE_REDIS_DB
else
    for n in $(shuf -i 1-15); do
        REDIS_DB=$n
        [ "$(redis dbsize 2>/dev/null)" = 0 ] && break
        REDIS_DB=""
    done
    [ -n "$REDIS_DB" ] || fail "no empty Redis database among 1..15 on $REDIS_BASE (set SMOKE_REDIS_DB)"
fi
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"

# --- README step 3: the environment file ------------------------------------------------------
say "3. environment file from deploy/servicecraft.env.sample"
ENV_FILE="$WORK/servicecraft.env"
SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
sed -e "s|^DATABASE_URL=.*|DATABASE_URL=postgresql://$NAME:$PASSWORD@$PG_HOST:$PG_PORT/$NAME|" \
    -e "s|^SECRET_KEY=.*|SECRET_KEY=$SECRET|" \
    -e "s|^REDIS_URL=.*|REDIS_URL=$REDIS_BASE/$REDIS_DB|" \
    -e "s|^SERVICECRAFT_INSTANCE_PATH=.*|SERVICECRAFT_INSTANCE_PATH=$WORK/instance|" \
    -e "s|^GUNICORN_BIND=.*|GUNICORN_BIND=127.0.0.1:$PORT|" \
    "$ROOT/deploy/servicecraft.env.sample" >"$ENV_FILE"
echo "GUNICORN_WORKERS=2" >>"$ENV_FILE"
chmod 640 "$ENV_FILE"
grep -q CHANGE-ME "$ENV_FILE" && fail "the env file still has CHANGE-ME values"
mkdir -p "$WORK/instance"
# As the README runs commands by hand: the env file's variables, from the code's folder.
sc() { (set -a; . "$ENV_FILE"; set +a; cd "$ROOT" && exec .venv/bin/servicecraft "$@"); }

# --- README step 4: schema, demo and the first admin ------------------------------------------
say "4. servicecraft db upgrade"
sc db upgrade >"$WORK/upgrade.log" 2>&1 || fail "db upgrade failed (see upgrade.log below)"
say "4. servicecraft demo"
sc demo >"$WORK/demo.log" 2>&1 || fail "servicecraft demo failed"
say "4. servicecraft users create (the first admin)"
sc users create --email smoke-admin@example.test --name "Smoke Admin" --role admin >"$WORK/admin.log" 2>&1 \
    || fail "users create failed"

# --- README steps 5 and 6: the units' ExecStart lines, with this checkout for /opt/servicecraft ---
unit_command() {
    local line
    line=$(sed -n 's/^ExecStart=//p' "$ROOT/deploy/$1")
    [ -n "$line" ] || fail "no ExecStart in deploy/$1"
    printf '%s' "${line//\/opt\/servicecraft/$ROOT}"
}
start_unit() {  # start_unit UNIT LOG: run the unit's command as systemd would (env file, working dir)
    local command
    command=$(unit_command "$1")
    echo "$command"
    (set -a; . "$ENV_FILE"; set +a; cd "$ROOT" && eval "exec $command") >"$WORK/$2" 2>&1 &
}

say "5. web: servicecraft-web.service (gunicorn -c deploy/gunicorn.conf.py) on $BASE"
start_unit servicecraft-web.service web.log
WEB_PID=$!
say "6. worker: servicecraft-worker.service (servicecraft jobs worker) on Redis database $REDIS_DB"
start_unit servicecraft-worker.service worker.log
WORKER_PID=$!

# --- README step 9: health check ---------------------------------------------------------------
say "9. health check: GET /healthz"
health=""
for _ in $(seq 150); do
    kill -0 "$WEB_PID" 2>/dev/null || fail "gunicorn exited (see web.log below)"
    health=$(curl -fsS "$BASE/healthz" 2>/dev/null) && break
    sleep 0.2
done
case "$health" in *'"status"'*'"ok"'*) echo "$health" ;; *) fail "GET /healthz answered '$health'" ;; esac
kill -0 "$WORKER_PID" 2>/dev/null || fail "the worker exited (see worker.log below)"

# --- sign in, as a browser does ----------------------------------------------------------------
# SERVICECRAFT_PRODUCTION marks the cookies Secure and SERVICECRAFT_PROXY_HOPS=1 trusts one proxy:
# the requests say what nginx would (X-Forwarded-Proto: https), and send the Referer a browser sends
# (CSRF checks it on HTTPS); curl keeps the cookies itself.
PROXY=(-b "$COOKIES" -c "$COOKIES" -H "X-Forwarded-Proto: https" -H "X-Forwarded-For: 127.0.0.1"
       -H "Referer: https://127.0.0.1:$PORT/")
http() { curl -fsS "${PROXY[@]}" "$@"; }
# The value of the first input named $1, or nothing (sed reads to the end: no SIGPIPE under pipefail).
field_of() { { grep -o "name=\"$1\"[^>]*value=\"[^\"]*\"" || true; } | sed -n '1s/.*value="\([^"]*\)"/\1/p'; }
token_of() { field_of csrf_token; }

say "signing in as manager@demo.test"
token=$(http "$BASE/login" | token_of)
[ -n "$token" ] || fail "no csrf_token on /login"
code=$(curl -sS "${PROXY[@]}" -o /dev/null -w '%{http_code}' --data-urlencode "csrf_token=$token" \
       --data-urlencode "email=manager@demo.test" --data-urlencode "password=demo-password" "$BASE/login") \
    || fail "POST /login failed"
[ "$code" = 302 ] || [ "$code" = 303 ] || fail "POST /login answered $code, not a redirect (wrong password or cookies)"
http -o /dev/null "$BASE/qa/scorecards/" || fail "the scorecards page is not open to the manager after signing in"

# --- a background job on the RQ worker: the scorecard PDF pack ---------------------------------
say "building a scorecard PDF pack (a background job on the RQ worker)"
page=$(http "$BASE/qa/scorecards/") || fail "GET /qa/scorecards/ failed"
form=$(printf '%s' "$page" | sed -n '/action="\/qa\/scorecards\/pack"/,/<\/form>/p')
[ -n "$form" ] || fail "no PDF pack form on /qa/scorecards/"
args=()
for name in csrf_token start end team branch region; do
    args+=(--data-urlencode "$name=$(printf '%s' "$form" | field_of "$name")")
done
location=$(http -o /dev/null -w '%{redirect_url}' "${args[@]}" --data-urlencode "title=Smoke pack" "$BASE/qa/scorecards/pack") \
    || fail "POST /qa/scorecards/pack failed"
job_id=${location##*/jobs/}
job_id=${job_id%%[/?]*}
[ -n "$job_id" ] && [ "$job_id" != "$location" ] || fail "the pack did not redirect to a job page ('$location')"
http -o /dev/null "$BASE/jobs/$job_id" || fail "the job page /jobs/$job_id failed"
echo "job $job_id"

status=""
for _ in $(seq 240); do
    json=$(http "$BASE/jobs/$job_id/status") || fail "GET /jobs/$job_id/status failed"
    status=$(printf '%s' "$json" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["status"])')
    case "$status" in done | failed) break ;; esac
    kill -0 "$WORKER_PID" 2>/dev/null || fail "the worker exited while the job was $status"
    sleep 0.5
done
[ "$status" = done ] || fail "the job ended as '$status': $json"
printf '%s\n' "$json"
grep -q "$job_id" "$WORK/worker.log" || fail "the RQ worker's log does not mention job $job_id (did it run in the web process?)"

say "downloading the pack"
http -o "$WORK/pack.pdf" "$BASE/jobs/$job_id/download" || fail "GET /jobs/$job_id/download failed"
[ "$(head -c 4 "$WORK/pack.pdf")" = "%PDF" ] || fail "the download is not a PDF (it starts with '$(head -c 16 "$WORK/pack.pdf")')"
echo "pack.pdf: $(wc -c <"$WORK/pack.pdf") bytes"
find "$WORK/instance/uploads/reports" -name '*.pdf' | grep -q . || fail "the PDF is not under the upload folder's reports/"

say "signing out"
token=$(http "$BASE/" | token_of)
[ -n "$token" ] || fail "no sign-out form on the home page"
http -o /dev/null --data-urlencode "csrf_token=$token" "$BASE/logout" || fail "POST /logout failed"
[ "$(http -o /dev/null -w '%{http_code}' "$BASE/qa/scorecards/")" = 302 ] || fail "still signed in after signing out"

STEP="done"
