// libFuzzer target: db::ParseUrl must never crash, and a parsed URL's
// redacted form must never contain the password.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/db/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto u = sipcapd::db::ParseUrl(in);
  if (u.ok()) {
    std::string r = u->Redacted();
    if (u->password.size() > 3 && r.find(u->password) != std::string::npos &&
        u->user.find(u->password) == std::string::npos &&
        u->host.find(u->password) == std::string::npos &&
        u->database.find(u->password) == std::string::npos &&
        u->socket.find(u->password) == std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
