# Two fresh HOMER 5 databases on the private MariaDB for a comparison test
# (sourced after test/lib/common.sh). two_dbs PREFIX: starts the server if
# MYSQL_TEST_URL is unset, creates <PREFIX>_a_* and <PREFIX>_b_* with
# scripts/sipcapd-dbctl, drops them at exit; sets DBA DBB URLA URLB and the
# helpers q DB SQL (mariadb -B) and count DB (rows of sip_capture).
two_dbs() {
  local dbctl="$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl" hp cred
  if [ -z "${MYSQL_TEST_URL:-}" ]; then
    "$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" start >/dev/null || fail "cannot start private MariaDB"
    eval "$("$SIPCAPD_SOURCE_DIR/scripts/test-mariadb.sh" env)"
  fi
  DBA="$1_a_$$_$RANDOM"; DBB="$1_b_$$_$RANDOM"
  URLA="${MYSQL_TEST_URL%/*}/$DBA"; URLB="${MYSQL_TEST_URL%/*}/$DBB"
  hp="${URLA#*@}"; hp="${hp%%/*}"; MHOST="${hp%%:*}"; MPORT="${hp##*:}"
  cred="${URLA#*://}"; cred="${cred%%@*}"; MUSER="${cred%%:*}"; MPASS="${cred#*:}"
  "$dbctl" create "$URLA" >/dev/null || fail "dbctl create $DBA"
  "$dbctl" create "$URLB" >/dev/null || fail "dbctl create $DBB"
  trap '"$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl" drop "$URLA" >/dev/null 2>&1
        "$SIPCAPD_SOURCE_DIR/scripts/sipcapd-dbctl" drop "$URLB" >/dev/null 2>&1; cleanup_common' EXIT
}
q() { mariadb --no-defaults -B -u"$MUSER" -p"$MPASS" -h"$MHOST" -P"$MPORT" "$1" -e "$2"; }
count() { q "$1" "select count(*) from sip_capture" 2>/dev/null | tail -1; }
# rows_ge DB N: sip_capture of DB has at least N rows (for wait_for).
rows_ge() { [ "$(count "$1")" -ge "$2" ] 2>/dev/null; }
