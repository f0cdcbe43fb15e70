#include "modules/sipcapture/capture_raw.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace sipcapd::sipcapture {
namespace {

constexpr uint8_t kUdp = 17;
constexpr uint8_t kV6Frag = 44;
constexpr size_t kMaxDatagram = 65535;
constexpr size_t kMaxPieces = 128;

uint16_t Be16(std::string_view b, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(b[at]) << 8) |
                               static_cast<uint8_t>(b[at + 1]));
}

Result<uint16_t> Port(std::string_view s) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0 || v > 65535)
    return Status::Invalid("raw_socket_listen: bad port '" + std::string(s) + "'");
  return static_cast<uint16_t>(v);
}

// UDP header + payload (from the transport header on).
RawResult Udp(std::string_view t, RawUdp* out, std::string* reason) {
  if (t.size() < 8) {
    *reason = "UDP header truncated";
    return RawResult::kBadPacket;
  }
  uint16_t len = Be16(t, 4);
  if (len < 8 || len > t.size()) {
    *reason = "UDP length " + std::to_string(len) + " does not fit " + std::to_string(t.size());
    return RawResult::kBadPacket;
  }
  out->src.port = Be16(t, 0);
  out->dst.port = Be16(t, 2);
  out->payload.assign(t.substr(8, len - 8));
  return RawResult::kUdp;
}

RawResult Fragment(Reassembler* reasm, const std::string& key, uint8_t proto, size_t off, bool more,
                   std::string_view data, int64_t now_us, RawUdp* out, std::string* reason) {
  if (!reasm) {
    *reason = "IP fragment (no reassembly)";
    return RawResult::kNotUdp;
  }
  std::string whole;
  uint8_t p = 0;
  if (!reasm->Add(key, proto, off, more, data, now_us, &whole, &p))
    return RawResult::kFragmentPending;
  if (p != kUdp) {
    *reason = "reassembled IP protocol " + std::to_string(p) + " is not UDP";
    return RawResult::kNotUdp;
  }
  return Udp(whole, out, reason);
}

RawResult V4(std::string_view pkt, Reassembler* reasm, int64_t now_us, RawUdp* out,
             std::string* reason) {
  if (pkt.size() < 20) {
    *reason = "IPv4 header truncated";
    return RawResult::kBadPacket;
  }
  size_t ihl = (static_cast<uint8_t>(pkt[0]) & 0x0f) * 4u;
  size_t total = Be16(pkt, 2);
  if (ihl < 20 || total < ihl || total > pkt.size()) {
    *reason = "IPv4 header/total length inconsistent";
    return RawResult::kBadPacket;
  }
  uint8_t proto = static_cast<uint8_t>(pkt[9]);
  out->src.ip.family = out->dst.ip.family = AF_INET;
  memcpy(out->src.ip.bytes.data(), pkt.data() + 12, 4);
  memcpy(out->dst.ip.bytes.data(), pkt.data() + 16, 4);
  uint16_t frag = Be16(pkt, 6);
  std::string_view body = pkt.substr(ihl, total - ihl);
  if ((frag & 0x2000) || (frag & 0x1fff)) {
    std::string key = "4" + std::string(pkt.substr(12, 8)) + std::string(pkt.substr(4, 2)) +
                      static_cast<char>(proto);
    return Fragment(reasm, key, proto, (frag & 0x1fffu) * 8u, frag & 0x2000, body, now_us, out,
                    reason);
  }
  if (proto != kUdp) {
    *reason = "IP protocol " + std::to_string(proto) + " is not UDP";
    return RawResult::kNotUdp;
  }
  return Udp(body, out, reason);
}

RawResult V6(std::string_view pkt, Reassembler* reasm, int64_t now_us, RawUdp* out,
             std::string* reason) {
  if (pkt.size() < 40) {
    *reason = "IPv6 header truncated";
    return RawResult::kBadPacket;
  }
  size_t plen = Be16(pkt, 4);
  if (40 + plen > pkt.size()) {
    *reason = "IPv6 payload length exceeds the packet";
    return RawResult::kBadPacket;
  }
  out->src.ip.family = out->dst.ip.family = AF_INET6;
  memcpy(out->src.ip.bytes.data(), pkt.data() + 8, 16);
  memcpy(out->dst.ip.bytes.data(), pkt.data() + 24, 16);
  std::string_view rest = pkt.substr(40, plen);
  uint8_t next = static_cast<uint8_t>(pkt[6]);
  for (int i = 0; i < 8; ++i) {  // extension headers, bounded
    if (next == kUdp) return Udp(rest, out, reason);
    if (next == 0 || next == 43 || next == 60) {
      if (rest.size() < 8) break;
      size_t l = (static_cast<uint8_t>(rest[1]) + 1u) * 8u;
      if (l > rest.size()) break;
      next = static_cast<uint8_t>(rest[0]);
      rest.remove_prefix(l);
      continue;
    }
    if (next == kV6Frag) {
      if (rest.size() < 8) break;
      uint16_t offm = Be16(rest, 2);
      std::string key = "6" + std::string(pkt.substr(8, 32)) + std::string(rest.substr(4, 4));
      uint8_t proto = static_cast<uint8_t>(rest[0]);
      return Fragment(reasm, key, proto, offm & 0xfff8u, offm & 1u, rest.substr(8), now_us, out,
                      reason);
    }
    *reason = "IPv6 next header " + std::to_string(next) + " is not UDP";
    return RawResult::kNotUdp;
  }
  *reason = "IPv6 extension headers truncated or too many";
  return RawResult::kBadPacket;
}

}  // namespace

Result<RawListen> ParseRawListen(std::string_view text) {
  RawListen l;
  std::string_view ip = text, ports;
  if (!text.empty() && text[0] == '[') {
    size_t rb = text.find(']');
    if (rb == std::string_view::npos) return Status::Invalid("raw_socket_listen: missing ']'");
    ip = text.substr(1, rb - 1);
    if (rb + 1 < text.size()) {
      if (text[rb + 1] != ':') return Status::Invalid("raw_socket_listen: junk after ']'");
      ports = text.substr(rb + 2);
    }
  } else {
    size_t c = text.rfind(':');
    // A bare IPv6 address has several ':'; take the last as ports only
    // when what precedes it is a valid address.
    if (c != std::string_view::npos && IpAddr::Parse(text.substr(0, c))) {
      ip = text.substr(0, c);
      ports = text.substr(c + 1);
    }
  }
  auto a = IpAddr::Parse(ip);
  if (!a) return Status::Invalid("raw_socket_listen: bad IP '" + std::string(ip) + "'");
  l.ip = *a;
  if (!ports.empty()) {
    size_t d = ports.find('-');
    auto s = Port(ports.substr(0, d));
    if (!s.ok()) return s.status();
    l.port_start = *s;
    if (d != std::string_view::npos) {
      auto e = Port(ports.substr(d + 1));
      if (!e.ok()) return e.status();
      if (*e < *s) return Status::Invalid("raw_socket_listen: port range end < start");
      l.port_end = *e;
    }
  }
  return l;
}

bool PortMatches(const RawListen& l, uint16_t sport, uint16_t dport) {
  if (l.port_start == 0) return true;
  uint16_t hi = l.port_end ? l.port_end : l.port_start;
  auto in = [&](uint16_t p) { return p >= l.port_start && p <= hi; };
  return in(sport) || in(dport);
}

std::vector<sock_filter> BuildPortBpf(uint16_t lo, uint16_t hi) {
  enum : uint32_t { kAccept = 24, kReject = 25, kV6 = 14 };
  std::vector<sock_filter> p;
  auto S = [&](uint16_t code, uint32_t k) { p.push_back({code, 0, 0, k}); };
  // Conditional jump to absolute targets t / f (0xffff: next instruction).
  auto J = [&](uint16_t code, uint32_t k, uint32_t t, uint32_t f) {
    uint32_t pc = static_cast<uint32_t>(p.size()) + 1;
    p.push_back({code, static_cast<uint8_t>(t == 0xffff ? 0 : t - pc),
                 static_cast<uint8_t>(f == 0xffff ? 0 : f - pc), k});
  };
  constexpr uint32_t N = 0xffff;
  S(BPF_LD | BPF_B | BPF_ABS, 0);                      // 0
  S(BPF_ALU | BPF_RSH | BPF_K, 4);                     // 1 A = IP version
  J(BPF_JMP | BPF_JEQ | BPF_K, 4, N, kV6);             // 2
  S(BPF_LD | BPF_B | BPF_ABS, 9);                      // 3 protocol
  J(BPF_JMP | BPF_JEQ | BPF_K, kUdp, N, kReject);      // 4
  S(BPF_LD | BPF_H | BPF_ABS, 6);                      // 5 flags/offset
  J(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, kAccept, N);   // 6 non-first fragment
  S(BPF_LDX | BPF_B | BPF_MSH, 0);                     // 7 X = IHL
  S(BPF_LD | BPF_H | BPF_IND, 0);                      // 8 source port
  J(BPF_JMP | BPF_JGE | BPF_K, lo, N, 11);             // 9
  J(BPF_JMP | BPF_JGT | BPF_K, hi, N, kAccept);        // 10
  S(BPF_LD | BPF_H | BPF_IND, 2);                      // 11 destination port
  J(BPF_JMP | BPF_JGE | BPF_K, lo, N, kReject);        // 12
  J(BPF_JMP | BPF_JGT | BPF_K, hi, kReject, kAccept);  // 13
  J(BPF_JMP | BPF_JEQ | BPF_K, 6, N, kReject);         // 14 IPv6
  S(BPF_LD | BPF_B | BPF_ABS, 6);                      // 15 next header
  J(BPF_JMP | BPF_JEQ | BPF_K, kV6Frag, kAccept, N);   // 16
  J(BPF_JMP | BPF_JEQ | BPF_K, kUdp, N, kReject);      // 17
  S(BPF_LD | BPF_H | BPF_ABS, 40);                     // 18
  J(BPF_JMP | BPF_JGE | BPF_K, lo, N, 21);             // 19
  J(BPF_JMP | BPF_JGT | BPF_K, hi, N, kAccept);        // 20
  S(BPF_LD | BPF_H | BPF_ABS, 42);                     // 21
  J(BPF_JMP | BPF_JGE | BPF_K, lo, N, kReject);        // 22
  J(BPF_JMP | BPF_JGT | BPF_K, hi, kReject, kAccept);  // 23
  S(BPF_RET | BPF_K, 0x40000);                         // 24 accept
  S(BPF_RET | BPF_K, 0);                               // 25 reject
  return p;
}

void Reassembler::Expire(int64_t now_us) {
  for (auto it = parts_.begin(); it != parts_.end();) {
    if (now_us - it->second.first_us > kTimeoutUs) {
      it = parts_.erase(it);
      ++expired_;
    } else {
      ++it;
    }
  }
}

bool Reassembler::Add(const std::string& key, uint8_t next_proto, size_t offset, bool more,
                      std::string_view data, int64_t now_us, std::string* whole, uint8_t* proto) {
  Expire(now_us);
  auto it = parts_.find(key);
  if (it == parts_.end()) {
    if (parts_.size() >= kMaxDatagrams) {  // drop the oldest
      auto oldest = parts_.begin();
      for (auto j = parts_.begin(); j != parts_.end(); ++j)
        if (j->second.first_us < oldest->second.first_us) oldest = j;
      parts_.erase(oldest);
      ++expired_;
    }
    it = parts_.emplace(key, Partial{}).first;
    it->second.first_us = now_us;
  }
  Partial& pa = it->second;
  if (offset + data.size() > kMaxDatagram || pa.pieces.size() >= kMaxPieces) {
    parts_.erase(it);
    ++expired_;
    return false;
  }
  if (offset == 0) pa.proto = next_proto;
  if (!more) pa.total = offset + data.size();
  pa.pieces[offset] = std::string(data);
  if (pa.total == 0) return false;
  size_t end = 0;
  for (const auto& [off, d] : pa.pieces) {
    if (off > end) return false;  // hole
    end = std::max(end, off + d.size());
  }
  if (end < pa.total) return false;
  whole->assign(pa.total, '\0');
  for (const auto& [off, d] : pa.pieces)
    memcpy(whole->data() + off, d.data(), std::min(d.size(), pa.total - std::min(off, pa.total)));
  *proto = pa.proto;
  parts_.erase(it);
  ++completed_;
  return true;
}

RawResult DecodeIpPacket(std::string_view pkt, Reassembler* reasm, int64_t now_us, RawUdp* out,
                         std::string* reason) {
  if (pkt.empty()) {
    *reason = "empty packet";
    return RawResult::kBadPacket;
  }
  switch (static_cast<uint8_t>(pkt[0]) >> 4) {
    case 4: return V4(pkt, reasm, now_us, out, reason);
    case 6: return V6(pkt, reasm, now_us, out, reason);
    default: *reason = "not an IPv4/IPv6 packet"; return RawResult::kNotUdp;
  }
}

RawResult DecodeIpipPacket(std::string_view pkt, Reassembler* reasm, int64_t now_us, RawUdp* out,
                           std::string* reason) {
  if (pkt.size() < 20 || (static_cast<uint8_t>(pkt[0]) >> 4) != 4) {
    *reason = "outer IPv4 header missing";
    return RawResult::kBadPacket;
  }
  size_t ihl = (static_cast<uint8_t>(pkt[0]) & 0x0f) * 4u;
  if (ihl < 20 || ihl > pkt.size()) {
    *reason = "outer IPv4 header length";
    return RawResult::kBadPacket;
  }
  uint8_t proto = static_cast<uint8_t>(pkt[9]);
  if (proto != 4 && proto != 41) {
    *reason = "outer protocol " + std::to_string(proto) + " is not IPIP";
    return RawResult::kNotUdp;
  }
  return DecodeIpPacket(pkt.substr(ihl), reasm, now_us, out, reason);
}

}  // namespace sipcapd::sipcapture
