// libFuzzer target: db::ParseUrl must never crash, and a parsed URL's
// redacted form must never reveal the password.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/db/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto u = sipcapd::db::ParseUrl(in);
  if (u.ok()) {
    // The redacted form must not depend on the password: redacting the same
    // URL with any other password gives the same text. (A plain "password is
    // not a substring" check has false positives: the password
    // "//:***@h/db" is a substring of "mysql://:***@h/dbx" by coincidence.)
    sipcapd::db::Url other = *u;
    other.password = u->password.empty() ? "" : u->password + "x";
    if (u->Redacted() != other.Redacted()) __builtin_trap();
  }
  return 0;
}
