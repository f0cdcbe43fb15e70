// Raw-socket capture, the pure part: raw_socket_listen parsing, the port
// filter, the classic BPF program, and IPv4/IPv6 + UDP decoding of captured
// packets with IPv4/IPv6 fragment reassembly. No sockets, no logging; every
// read is bounds-checked and errors carry a reason.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/base/status.h"
#include "core/net/address.h"

namespace sipcapd::sipcapture {

// raw_socket_listen = "IP[:port[-port_end]]" (the last ':' splits off the
// ports; IPv6 may be in brackets). port_start 0: no port filter.
struct RawListen {
  IpAddr ip;
  uint16_t port_start = 0;
  uint16_t port_end = 0;  // 0: only port_start
};
Result<RawListen> ParseRawListen(std::string_view text);

// True when src or dst port is in the listen range (or no range is set).
bool PortMatches(const RawListen& l, uint16_t sport, uint16_t dport);

// Classic BPF for a SOCK_DGRAM packet socket (the program sees the packet
// from the IP header on): accepts IPv4/IPv6 UDP whose source or destination
// port is in [lo, hi], and IPv4 non-first fragments / IPv6 fragment headers
// of UDP (so that reassembly still works); everything else is cut.
std::vector<sock_filter> BuildPortBpf(uint16_t lo, uint16_t hi);

// One decoded UDP datagram.
struct RawUdp {
  SockAddr src;
  SockAddr dst;
  std::string payload;
};

// Fragment reassembly (IPv4 and IPv6), bounded: at most kMaxDatagrams in
// progress, each at most 65535 bytes, dropped after kTimeoutUs.
class Reassembler {
 public:
  static constexpr size_t kMaxDatagrams = 64;
  static constexpr int64_t kTimeoutUs = 5'000'000;

  // Adds a fragment; returns true and fills *whole (the reassembled
  // transport payload, i.e. from the UDP header on) when complete.
  // `offset` in bytes, `more` the MF flag.
  bool Add(const std::string& key, uint8_t next_proto, size_t offset, bool more,
           std::string_view data, int64_t now_us, std::string* whole, uint8_t* proto);
  size_t pending() const { return parts_.size(); }
  uint64_t expired() const { return expired_; }
  uint64_t completed() const { return completed_; }

 private:
  struct Partial {
    std::map<size_t, std::string> pieces;
    size_t total = 0;  // known once the last fragment came (0: unknown)
    uint8_t proto = 0;
    int64_t first_us = 0;
  };
  void Expire(int64_t now_us);
  std::map<std::string, Partial> parts_;
  uint64_t expired_ = 0;
  uint64_t completed_ = 0;
};

enum class RawResult { kUdp, kFragmentPending, kNotUdp, kBadPacket };

// Decodes an IP packet (from its IP header). kUdp fills *out; a fragment
// goes to `reasm` (kFragmentPending until complete). *reason is set for
// kNotUdp / kBadPacket.
RawResult DecodeIpPacket(std::string_view pkt, Reassembler* reasm, int64_t now_us, RawUdp* out,
                         std::string* reason);

// IPIP: skips the outer IPv4 header and decodes the inner packet.
RawResult DecodeIpipPacket(std::string_view pkt, Reassembler* reasm, int64_t now_us, RawUdp* out,
                           std::string* reason);

}  // namespace sipcapd::sipcapture
