#!/usr/bin/env bash
# Black-box: every capture cfg shipped in cfg/ (capture-node, the tracing
# tutorial's §5.1-5.4 and §6.1 scripts, the HEP switch example) passes
# `sipcapd -c` once its placeholders are substituted. A failing cfg fails
# the test with sipcapd's error text (a function or module that does not
# exist yet is a failure, never a skip).
source "$SIPCAPD_SOURCE_DIR/test/lib/common.sh"
CFGS=(capture-node.cfg tutorial-5.1-basic.cfg tutorial-5.2-hep-route.cfg
      tutorial-5.3-hep-proxy.cfg tutorial-5.4-full.cfg tutorial-6.1-homer5.cfg hep-switch.cfg)
bad=0
for c in "${CFGS[@]}"; do
  src="$SIPCAPD_SOURCE_DIR/cfg/$c"
  [ -f "$src" ] || { echo "FAIL: $c missing"; bad=1; continue; }
  sed -e "s|@MODULE_DIR@|$SIPCAPD_MODULE_DIR|g" -e "s|@STATE_DIR@|$TMP|g" "$src" >"$TMP/$c"
  if grep -q '@[A-Z_]*@' "$TMP/$c"; then
    echo "FAIL: $c: unknown placeholder: $(grep -o '@[A-Z_]*@' "$TMP/$c" | sort -u | tr '\n' ' ')"
    bad=1; continue
  fi
  if "$SIPCAPD_BIN" -c -f "$TMP/$c" >"$TMP/$c.out" 2>&1; then
    pass "$c: sipcapd -c"
  else
    echo "FAIL: $c: sipcapd -c:"; sed 's/^/    /' "$TMP/$c.out"
    bad=1
  fi
done
[ "$bad" = 0 ] || fail "some capture cfgs do not pass sipcapd -c (see above)"
