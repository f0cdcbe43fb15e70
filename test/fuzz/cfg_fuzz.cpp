// Fuzz target for the cfg parser and script compiler: parse arbitrary bytes,
// then compile them against a registry holding the core exports. Must never
// crash, hang or recurse without bound (nesting is bounded by the parser).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/cfg/parser.h"
#include "core/module/registry.h"
#include "core/script/core_exports.h"
#include "core/script/engine.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sipcapd::Registry* reg = [] {
    auto* r = new sipcapd::Registry();
    (void)sipcapd::RegisterCoreExports(*r);
    r->Freeze();
    return r;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto script = sipcapd::cfg::ParseString(text, "fuzz.cfg");
  if (!script.ok()) return 0;
  auto engine = sipcapd::Engine::Compile(*script, *reg);
  (void)engine;
  return 0;
}
