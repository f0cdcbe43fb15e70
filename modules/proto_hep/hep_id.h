// HEP destinations ("hep_id"): the parsed form and its parser.
//
// Accepted syntax (OpenSIPS 2.3+), whitespace-tolerant, the final ';'
// optional:
//   [name] host[:port] [; transport=udp|tcp|tls] [; version=1|2|3]
// and the older "uri=" spelling of the address token:
//   [name] uri=[hep:]host[:port]; version=2; transport=udp
// Defaults as OpenSIPS: port 9060, version 3, transport tcp. TCP/TLS with
// version < 3 falls back to UDP with a warning (returned in `warning`).
// Differences from OpenSIPS (documented in doc/modules/proto_hep.md): an
// IPv6 literal may be written in brackets ("[::1]:9060"); parameter names
// are matched case-insensitively. Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace sipcapd::hep {

enum class Transport { kUdp, kTcp, kTls };
const char* TransportName(Transport t);  // "udp" / "tcp" / "tls"

struct Destination {
  std::string name;  // without brackets
  std::string host;  // IP literal or host name (resolved at connect time)
  uint16_t port = 9060;
  Transport transport = Transport::kTcp;
  int version = 3;
  std::string warning;  // non-empty when a setting was adjusted
  // "host:port;transport=tcp;version=3" (stable key for ad-hoc senders).
  std::string Key() const;
};

constexpr uint16_t kDefaultHepPort = 9060;

// Parses one hep_id value. `require_name`: the "[name]" prefix is mandatory
// (modparam hep_id); ad-hoc destinations (HepApi::ParseDestination) may omit it.
Result<Destination> ParseHepId(std::string_view text, bool require_name = true);

}  // namespace sipcapd::hep
