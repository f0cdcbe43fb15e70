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

// The name of a listener worker, a module process or a HEP sender from
// its role: `base` cut so that "#<n>" (n > 0) still fits.
std::string ThreadName(std::string_view base, int n = 0);

}  // namespace sipcapd
