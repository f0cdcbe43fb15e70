// IP addresses and socket addresses (IPv4/IPv6), plain values.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sipcapd {

struct IpAddr {
  int family = 0;                   // AF_INET, AF_INET6 or 0 (unset)
  std::array<uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4

  static std::optional<IpAddr> Parse(std::string_view text);  // "1.2.3.4", "::1", "[::1]"
  static IpAddr V4(uint32_t host_order);
  std::string ToString() const;  // IPv6 without brackets
  size_t size() const { return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0; }
  bool is_set() const { return family != 0; }
  bool IsAny() const;
  bool operator==(const IpAddr& o) const { return family == o.family && bytes == o.bytes; }
};

struct SockAddr {
  IpAddr ip;
  uint16_t port = 0;

  // Fills a sockaddr_storage; returns its length (0 if unset).
  socklen_t ToSockaddr(sockaddr_storage* ss) const;
  static SockAddr FromSockaddr(const sockaddr* sa);
  std::string ToString() const;  // "1.2.3.4:5060", "[::1]:5060"
  bool operator==(const SockAddr& o) const { return ip == o.ip && port == o.port; }
};

// Transport protocol of a message as the script sees it ($pr / $proto).
enum class Proto : int {
  kNone = 0,
  kUdp = 1,
  kTcp = 2,
  kTls = 3,
  kSctp = 4,
  kWs = 5,
  kWss = 6,
  kHepUdp = 7,
  kHepTcp = 8,
  kHepTls = 9
};
const char* ProtoName(Proto p);  // "udp", "tcp", ... (lower case)

}  // namespace sipcapd
