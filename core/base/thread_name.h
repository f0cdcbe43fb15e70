// Names the calling thread in the kernel (/proc/<pid>/task/<tid>/comm), so
// `top -H`, `ps -L`, perf and gdb tell a server's threads apart: listener
// workers "<proto>#<n>" (udp#1, hep_udp#2), "timer", module processes
// "<proc>#<n>", HEP senders "hep><hep_id>". The kernel keeps 15 bytes:
// longer names are cut.
#pragma once

#include <string>
#include <string_view>

namespace sipcapd {

inline constexpr size_t kThreadNameMax = 15;

void SetThreadName(std::string_view name);

// `base` cut so that `suffix` still fits: "sipcapture_db" + "-spill" is
// "sipcaptur-spill".
std::string ThreadName(std::string_view base, std::string_view suffix);
// The n-th of a role's threads: ThreadName(base, "#<n>") (n > 0), or base.
std::string ThreadName(std::string_view base, int n = 0);

}  // namespace sipcapd
