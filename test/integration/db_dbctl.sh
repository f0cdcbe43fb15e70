#!/usr/bin/env bash
# sipcapd-dbctl create / add-days / drop against SQLite and the private test
# MariaDB; checks the tables and that sip_capture has all 44 columns + id.
set -euo pipefail
SRC="${SIPCAPD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
CTL="$SRC/scripts/sipcapd-dbctl"
TMP=$(mktemp -d /tmp/sipcapd_dbctl.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
today=$(date -u +%Y%m%d)

# SQLite
db="$TMP/c.db"
"$CTL" create "sqlite://$db" >/dev/null
"$CTL" add-days "sqlite://$db" 2 >/dev/null
tables=$(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
for t in sip_capture sip_capture_call sip_capture_registration sip_capture_rest rtcp_capture \
         report_capture ops_report_capture logs_capture sip_trace "sip_capture_call_$today" "sip_capture_rest_$today"; do
  grep -qx "$t" <<<"$tables" || fail "sqlite: table $t missing"
done
ncols=$(sqlite3 "$db" "SELECT COUNT(*) FROM pragma_table_info('sip_capture')")
[[ "$ncols" == 45 ]] || fail "sqlite: sip_capture has $ncols columns, want 45"
nidx=$(sqlite3 "$db" "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND tbl_name='sip_capture_call_$today'")
[[ "$nidx" == 8 ]] || fail "sqlite: daily table has $nidx indexes, want 8"
"$CTL" drop "sqlite://$db" >/dev/null
[[ ! -e "$db" ]] || fail "sqlite: drop left the file"

# MariaDB
if [[ -z "${MYSQL_TEST_URL:-}" ]]; then
  "$SRC/scripts/test-mariadb.sh" start || fail "cannot start the test MariaDB"
  MYSQL_TEST_URL=$("$SRC/scripts/test-mariadb.sh" url)
fi
URL="${MYSQL_TEST_URL%/*}/sipcapd_dbctl_test"
rest="${URL#mysql://}"; cred="${rest%@*}"; hp="${rest##*@}"; hp="${hp%%/*}"
q() { mariadb --no-defaults -N -u"${cred%%:*}" -p"${cred#*:}" -h"${hp%%:*}" -P"${hp##*:}" sipcapd_dbctl_test -e "$1"; }
"$CTL" create "$URL" >/dev/null
"$CTL" add-days "$URL" 3 >/dev/null
n=$(q "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='sipcapd_dbctl_test'")
[[ "$n" == 19 ]] || fail "mysql: $n tables, want 19 (10 base incl. version and HOMER 6 ops_report_capture + 3x3 daily)"
ncols=$(q "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema='sipcapd_dbctl_test' AND table_name='sip_capture'")
[[ "$ncols" == 45 ]] || fail "mysql: sip_capture has $ncols columns, want 45"
"$CTL" drop "$URL" >/dev/null
echo "db_dbctl: ok"
