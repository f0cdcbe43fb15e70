// link: sipcapture_logic
#include "modules/sipcapture/capture_raw.h"

#include <gtest/gtest.h>

#include <string>

namespace sipcapd::sipcapture {
namespace {

void Put16(std::string* b, size_t at, uint16_t v) {
  (*b)[at] = static_cast<char>(v >> 8);
  (*b)[at + 1] = static_cast<char>(v & 0xff);
}

std::string UdpHdr(uint16_t sp, uint16_t dp, const std::string& payload) {
  std::string u(8, '\0');
  Put16(&u, 0, sp);
  Put16(&u, 2, dp);
  Put16(&u, 4, static_cast<uint16_t>(8 + payload.size()));
  return u + payload;
}

// IPv4 packet with `body` (already a transport payload) and frag fields.
std::string V4(const std::string& body, uint8_t proto = 17, uint16_t id = 7, uint16_t frag = 0) {
  std::string h(20, '\0');
  h[0] = 0x45;
  Put16(&h, 2, static_cast<uint16_t>(20 + body.size()));
  Put16(&h, 4, id);
  Put16(&h, 6, frag);
  h[8] = 64;
  h[9] = static_cast<char>(proto);
  const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
  for (int i = 0; i < 4; ++i) {
    h[12 + i] = static_cast<char>(src[i]);
    h[16 + i] = static_cast<char>(dst[i]);
  }
  return h + body;
}

std::string V6(const std::string& body, uint8_t next = 17) {
  std::string h(40, '\0');
  h[0] = 0x60;
  Put16(&h, 4, static_cast<uint16_t>(body.size()));
  h[6] = static_cast<char>(next);
  h[7] = 64;
  h[8] = static_cast<char>(0xfd);
  h[23] = 1;
  h[24] = static_cast<char>(0xfd);
  h[39] = 2;
  return h + body;
}

std::string V6Frag(const std::string& piece, uint16_t off, bool more, uint32_t id) {
  std::string f(8, '\0');
  f[0] = 17;
  Put16(&f, 2, static_cast<uint16_t>(off | (more ? 1 : 0)));
  Put16(&f, 4, static_cast<uint16_t>(id >> 16));
  Put16(&f, 6, static_cast<uint16_t>(id & 0xffff));
  return V6(f + piece, 44);
}

const std::string kSip =
    "OPTIONS sip:bob@10.0.0.2 SIP/2.0\r\nCall-ID: raw-1\r\nContent-Length: 0\r\n\r\n";

// A classic-BPF interpreter for the opcodes BuildPortBpf uses.
uint32_t RunBpf(const std::vector<sock_filter>& prog, const std::string& pkt) {
  uint32_t a = 0, x = 0;
  auto byte = [&](size_t at) -> int {
    return at < pkt.size() ? static_cast<uint8_t>(pkt[at]) : -1;
  };
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    const sock_filter& i = prog[pc];
    switch (i.code) {
      case BPF_LD | BPF_B | BPF_ABS:
        if (byte(i.k) < 0) return 0;
        a = static_cast<uint32_t>(byte(i.k));
        break;
      case BPF_LD | BPF_H | BPF_ABS:
      case BPF_LD | BPF_H | BPF_IND: {
        size_t at = i.k + ((i.code & BPF_IND) ? x : 0);
        if (byte(at + 1) < 0) return 0;
        a = static_cast<uint32_t>(byte(at) << 8 | byte(at + 1));
        break;
      }
      case BPF_LDX | BPF_B | BPF_MSH:
        if (byte(i.k) < 0) return 0;
        x = (static_cast<uint32_t>(byte(i.k)) & 0xf) * 4;
        break;
      case BPF_ALU | BPF_RSH | BPF_K: a >>= i.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: pc += (a == i.k) ? i.jt : i.jf; break;
      case BPF_JMP | BPF_JGE | BPF_K: pc += (a >= i.k) ? i.jt : i.jf; break;
      case BPF_JMP | BPF_JGT | BPF_K: pc += (a > i.k) ? i.jt : i.jf; break;
      case BPF_JMP | BPF_JSET | BPF_K: pc += (a & i.k) ? i.jt : i.jf; break;
      case BPF_RET | BPF_K: return i.k;
      default: ADD_FAILURE() << "opcode " << i.code; return 0;
    }
  }
  ADD_FAILURE() << "fell off the program";
  return 0;
}

TEST(RawListen, Forms) {
  auto a = ParseRawListen("10.0.0.1:5060-5090");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->ip.ToString(), "10.0.0.1");
  EXPECT_EQ(a->port_start, 5060);
  EXPECT_EQ(a->port_end, 5090);
  auto b = ParseRawListen("10.0.0.1:5060");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->port_start, 5060);
  EXPECT_EQ(b->port_end, 0);
  auto c = ParseRawListen("10.0.0.1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port_start, 0);
  auto d = ParseRawListen("[fd00::1]:5060-5061");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ip.family, AF_INET6);
  EXPECT_EQ(d->port_end, 5061);
  EXPECT_TRUE(ParseRawListen("fd00::1").ok());
  EXPECT_FALSE(ParseRawListen("10.0.0.1:5090-5060").ok());
  EXPECT_FALSE(ParseRawListen("10.0.0.1:abc").ok());
  EXPECT_FALSE(ParseRawListen("nohost:5060").ok());
  EXPECT_FALSE(ParseRawListen("10.0.0.1:70000").ok());
}

TEST(RawListen, PortMatches) {
  RawListen l;
  EXPECT_TRUE(PortMatches(l, 1, 2));
  l.port_start = 5060;
  EXPECT_TRUE(PortMatches(l, 5060, 1));
  EXPECT_TRUE(PortMatches(l, 1, 5060));
  EXPECT_FALSE(PortMatches(l, 5061, 1));
  l.port_end = 5090;
  EXPECT_TRUE(PortMatches(l, 1, 5090));
  EXPECT_FALSE(PortMatches(l, 5091, 5059));
}

TEST(RawDecode, Ipv4Udp) {
  RawUdp u;
  std::string why;
  ASSERT_EQ(DecodeIpPacket(V4(UdpHdr(5062, 5060, kSip)), nullptr, 0, &u, &why), RawResult::kUdp)
      << why;
  EXPECT_EQ(u.src.ToString(), "10.0.0.1:5062");
  EXPECT_EQ(u.dst.ToString(), "10.0.0.2:5060");
  EXPECT_EQ(u.payload, kSip);
}

TEST(RawDecode, Ipv6UdpAndExtensionHeader) {
  RawUdp u;
  std::string why;
  ASSERT_EQ(DecodeIpPacket(V6(UdpHdr(5062, 5060, kSip)), nullptr, 0, &u, &why), RawResult::kUdp)
      << why;
  EXPECT_EQ(u.src.ToString(), "[fd00::1]:5062");
  EXPECT_EQ(u.payload, kSip);
  std::string dst_opts(8, '\0');
  dst_opts[0] = 17;  // next: UDP, length 0 -> 8 bytes
  ASSERT_EQ(DecodeIpPacket(V6(dst_opts + UdpHdr(1, 5060, kSip), 60), nullptr, 0, &u, &why),
            RawResult::kUdp)
      << why;
  EXPECT_EQ(u.dst.port, 5060);
}

TEST(RawDecode, RejectsBadAndOther) {
  RawUdp u;
  std::string why;
  EXPECT_EQ(DecodeIpPacket("", nullptr, 0, &u, &why), RawResult::kBadPacket);
  EXPECT_EQ(DecodeIpPacket(V4(UdpHdr(1, 2, kSip)).substr(0, 19), nullptr, 0, &u, &why),
            RawResult::kBadPacket);
  std::string tcp = V4(std::string(20, 'x'), 6);
  EXPECT_EQ(DecodeIpPacket(tcp, nullptr, 0, &u, &why), RawResult::kNotUdp);
  EXPECT_NE(why.find("not UDP"), std::string::npos);
  std::string lying = V4(UdpHdr(1, 2, kSip));
  Put16(&lying, 24, 9999);  // UDP length beyond the packet
  EXPECT_EQ(DecodeIpPacket(lying, nullptr, 0, &u, &why), RawResult::kBadPacket);
  std::string total = V4(UdpHdr(1, 2, kSip));
  Put16(&total, 2, 9999);  // IP total length beyond the buffer
  EXPECT_EQ(DecodeIpPacket(total, nullptr, 0, &u, &why), RawResult::kBadPacket);
  EXPECT_EQ(DecodeIpPacket(V6(UdpHdr(1, 2, kSip)).substr(0, 39), nullptr, 0, &u, &why),
            RawResult::kBadPacket);
}

TEST(RawDecode, Ipv4FragmentsOutOfOrder) {
  std::string dgram = UdpHdr(5062, 5060, kSip + std::string(100, 'b'));
  std::string p1 = dgram.substr(0, 64), p2 = dgram.substr(64, 64), p3 = dgram.substr(128);
  Reassembler r;
  RawUdp u;
  std::string why;
  EXPECT_EQ(DecodeIpPacket(V4(p3, 17, 9, 128 / 8), &r, 1, &u, &why), RawResult::kFragmentPending);
  EXPECT_EQ(DecodeIpPacket(V4(p1, 17, 9, 0x2000), &r, 2, &u, &why), RawResult::kFragmentPending);
  EXPECT_EQ(r.pending(), 1u);
  ASSERT_EQ(DecodeIpPacket(V4(p2, 17, 9, 0x2000 | 64 / 8), &r, 3, &u, &why), RawResult::kUdp)
      << why;
  EXPECT_EQ(u.payload, kSip + std::string(100, 'b'));
  EXPECT_EQ(r.pending(), 0u);
  EXPECT_EQ(r.completed(), 1u);
  // Without a reassembler a fragment is reported, not decoded.
  EXPECT_EQ(DecodeIpPacket(V4(p1, 17, 9, 0x2000), nullptr, 0, &u, &why), RawResult::kNotUdp);
}

TEST(RawDecode, Ipv6Fragments) {
  std::string dgram = UdpHdr(5062, 5060, kSip + std::string(50, 'c'));
  Reassembler r;
  RawUdp u;
  std::string why;
  EXPECT_EQ(DecodeIpPacket(V6Frag(dgram.substr(0, 56), 0, true, 77), &r, 1, &u, &why),
            RawResult::kFragmentPending);
  ASSERT_EQ(DecodeIpPacket(V6Frag(dgram.substr(56), 56, false, 77), &r, 2, &u, &why),
            RawResult::kUdp)
      << why;
  EXPECT_EQ(u.payload, kSip + std::string(50, 'c'));
  EXPECT_EQ(u.src.ip.ToString(), "fd00::1");
}

TEST(RawDecode, IncompleteFragmentsExpireAndAreBounded) {
  Reassembler r;
  RawUdp u;
  std::string why;
  for (uint16_t id = 0; id < Reassembler::kMaxDatagrams + 10; ++id)
    DecodeIpPacket(V4(std::string(16, 'x'), 17, id, 0x2000), &r, 1, &u, &why);
  EXPECT_EQ(r.pending(), Reassembler::kMaxDatagrams);
  EXPECT_EQ(r.expired(), 10u);
  DecodeIpPacket(V4(std::string(16, 'x'), 17, 999, 0x2000), &r, 1 + Reassembler::kTimeoutUs + 1, &u,
                 &why);
  EXPECT_EQ(r.pending(), 1u);
  // A fragment running past 64 KiB drops its datagram.
  Reassembler big;
  EXPECT_EQ(DecodeIpPacket(V4(std::string(16, 'x'), 17, 5, 0x2000 | 8190), &big, 1, &u, &why),
            RawResult::kFragmentPending);
  EXPECT_EQ(big.pending(), 0u);
}

TEST(RawDecode, Ipip) {
  std::string inner = V4(UdpHdr(5062, 5060, kSip));
  std::string outer = V4(inner, 4);
  RawUdp u;
  std::string why;
  ASSERT_EQ(DecodeIpipPacket(outer, nullptr, 0, &u, &why), RawResult::kUdp) << why;
  EXPECT_EQ(u.dst.port, 5060);
  EXPECT_EQ(u.payload, kSip);
  EXPECT_EQ(DecodeIpipPacket(V4(inner, 17), nullptr, 0, &u, &why), RawResult::kNotUdp);
}

TEST(RawBpf, PortRangeIpv4Ipv6AndFragments) {
  auto prog = BuildPortBpf(5060, 5090);
  EXPECT_NE(RunBpf(prog, V4(UdpHdr(5062, 5060, kSip))), 0u);
  EXPECT_NE(RunBpf(prog, V4(UdpHdr(5090, 40000, kSip))), 0u);
  EXPECT_NE(RunBpf(prog, V4(UdpHdr(40000, 5075, kSip))), 0u);
  EXPECT_EQ(RunBpf(prog, V4(UdpHdr(40000, 5091, kSip))), 0u);
  EXPECT_EQ(RunBpf(prog, V4(UdpHdr(5059, 6000, kSip))), 0u);
  EXPECT_EQ(RunBpf(prog, V4(std::string(20, 'x'), 6)), 0u);         // TCP
  EXPECT_NE(RunBpf(prog, V4(std::string(16, 'x'), 17, 1, 3)), 0u);  // later fragment
  EXPECT_NE(RunBpf(prog, V6(UdpHdr(1, 5060, kSip))), 0u);
  EXPECT_EQ(RunBpf(prog, V6(UdpHdr(1, 5091, kSip))), 0u);
  EXPECT_EQ(RunBpf(prog, V6(std::string(20, 'x'), 6)), 0u);
  EXPECT_NE(RunBpf(prog, V6Frag("abcdefgh", 8, false, 3)), 0u);
  EXPECT_EQ(RunBpf(prog, std::string("\x20\x00", 2)), 0u);  // not IP
  // IHL honoured: IPv4 with 4 bytes of options.
  std::string opt = V4(UdpHdr(1, 5060, kSip));
  opt.insert(20, 4, '\x01');
  opt[0] = 0x46;
  Put16(&opt, 2, static_cast<uint16_t>(opt.size()));
  EXPECT_NE(RunBpf(prog, opt), 0u);
  auto single = BuildPortBpf(5060, 5060);
  EXPECT_EQ(RunBpf(single, V4(UdpHdr(5061, 5061, kSip))), 0u);
  EXPECT_NE(RunBpf(single, V4(UdpHdr(5061, 5060, kSip))), 0u);
}

}  // namespace
}  // namespace sipcapd::sipcapture
