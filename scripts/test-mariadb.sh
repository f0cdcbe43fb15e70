#!/usr/bin/env bash
# A private MariaDB for tests: start|stop|status|env|url
#
# Runs its own mariadbd (never the system service) on 127.0.0.1 with its own
# datadir, port and socket, initialised with mariadb-install-db on first use.
# Idempotent: `start` when running is a no-op. Waits (bounded) until the
# server accepts connections, then makes sure the test user and database
# exist. Environment overrides:
#   SIPCAPD_TEST_MARIADB_DIR   state directory  (default /tmp/sipcapd-test-mariadb)
#   SIPCAPD_TEST_MARIADB_PORT  TCP port         (default 33306)
# `env` prints MYSQL_TEST_URL=... lines to eval; `url` prints the URL only.
set -euo pipefail

DIR="${SIPCAPD_TEST_MARIADB_DIR:-/tmp/sipcapd-test-mariadb}"
PORT="${SIPCAPD_TEST_MARIADB_PORT:-33306}"
DATA="$DIR/data"
SOCK="$DIR/mysqld.sock"
PIDF="$DIR/mysqld.pid"
LOG="$DIR/mysqld.log"
USER_NAME=sipcapd
USER_PASS=sipcapd
DB=sipcapd_test
RUN_USER=$(id -un)

client() { mariadb --no-defaults -uroot --socket="$SOCK" "$@"; }

running() {
  [[ -f "$PIDF" ]] && kill -0 "$(cat "$PIDF")" 2>/dev/null
}

alive() {
  mariadb-admin --no-defaults -uroot --socket="$SOCK" --connect-timeout=1 ping >/dev/null 2>&1
}

url() { echo "mysql://$USER_NAME:$USER_PASS@127.0.0.1:$PORT/$DB"; }

start() {
  mkdir -p "$DIR"
  # Serialise concurrent starts (several test binaries may call us).
  exec 9>"$DIR/.lock"
  flock -w 120 9
  if running && alive; then return 0; fi
  if [[ ! -d "$DATA/mysql" ]]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    mariadb-install-db --no-defaults --auth-root-authentication-method=socket \
      --user="$RUN_USER" --datadir="$DATA" --skip-test-db >"$DIR/install.log" 2>&1 || {
      echo "test-mariadb: mariadb-install-db failed, see $DIR/install.log" >&2
      return 1
    }
  fi
  # --user is needed when running as root; harmless otherwise.
  mariadbd --no-defaults --user="$RUN_USER" --datadir="$DATA" --socket="$SOCK" \
    --pid-file="$PIDF" --port="$PORT" --bind-address=127.0.0.1 --log-error="$LOG" \
    --skip-name-resolve --innodb-buffer-pool-size=256M --innodb-log-file-size=128M \
    --innodb-flush-log-at-trx-commit=2 --max-connections=200 --max-allowed-packet=64M \
    --skip-log-bin >/dev/null 2>&1 9>&- &
  local i
  for i in $(seq 1 300); do
    if alive; then break; fi
    sleep 0.1
  done
  if ! alive; then
    echo "test-mariadb: server did not come up in 30 s; log tail:" >&2
    tail -20 "$LOG" >&2 || true
    return 1
  fi
  client -e "CREATE DATABASE IF NOT EXISTS $DB;
    CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$USER_PASS';
    CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$USER_PASS';
    GRANT ALL ON *.* TO '$USER_NAME'@'127.0.0.1' WITH GRANT OPTION;
    GRANT ALL ON *.* TO '$USER_NAME'@'localhost' WITH GRANT OPTION;
    FLUSH PRIVILEGES;"
}

stop() {
  if running; then
    local pid
    pid=$(cat "$PIDF")
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$PIDF"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status)
    if running && alive; then echo "running pid $(cat "$PIDF") port $PORT socket $SOCK"; else echo "stopped"; exit 1; fi ;;
  env)
    echo "MYSQL_TEST_URL=$(url)"
    echo "MYSQL_TEST_SOCKET=$SOCK"
    echo "MYSQL_TEST_PIDFILE=$PIDF" ;;
  url) url ;;
  *) echo "usage: $0 start|stop|restart|status|env|url" >&2; exit 2 ;;
esac
