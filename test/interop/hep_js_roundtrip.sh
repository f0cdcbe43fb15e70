#!/usr/bin/env bash
# hep-js interop: a few thousand randomized packets encapsulated by hep-js
# (npm, installed by scripts/install-deps.sh into test/interop/node_modules)
# decode field for field with our codec, and the same fields encoded by our
# codec decapsulate with hep-js. Our side is the hep_tool line filter
# (test/interop/hep_tool.cpp, target hep_tool of modules/proto_hep).
set -u
here="$SIPCAPD_SOURCE_DIR/test/interop"
tool="$SIPCAPD_BUILD_DIR/test/interop/hep_tool"
command -v node >/dev/null || { echo "SKIP: node not installed (scripts/install-deps.sh installs it)"; exit 77; }
[ -d "$here/node_modules/hep-js" ] || { echo "FAIL: hep-js missing: run scripts/install-deps.sh (npm install in test/interop)"; exit 1; }
[ -x "$tool" ] || { echo "FAIL: $tool not built (cmake --build <dir> --target hep_tool)"; exit 1; }
count=${HEP_JS_COUNT:-3000}
seed=${HEP_JS_SEED:-$(date +%s)}
echo "hep_js_roundtrip: $count packets, seed $seed (HEP_JS_SEED=$seed reproduces)"
cd "$here" && timeout 300 node hep_js_roundtrip.js "$tool" "$count" "$seed"
