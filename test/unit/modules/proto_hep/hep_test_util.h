// Helpers for HEP unit tests: build chunks and packets byte by byte.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <thread>

#include "modules/proto_hep/hep_codec.h"

namespace sipcapd::hep::testing {

// Polls f every 10 ms until it is true or `ms` have passed; f's last value.
template <class F>
bool WaitFor(F f, int ms = 5000) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return f();
}

inline std::string Be(uint64_t v, int bytes) {
  std::string s;
  for (int i = bytes - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
inline std::string Ch(uint16_t type, const std::string& data, uint16_t vendor = 0) {
  return Be(vendor, 2) + Be(type, 2) + Be(data.size() + 6, 2) + data;
}
inline std::string ChRawLen(uint16_t type, uint16_t len, const std::string& data) {
  return Be(0, 2) + Be(type, 2) + Be(len, 2) + data;
}
inline std::string Hep3(std::initializer_list<std::string> chunks, const char* magic = "HEP3") {
  std::string body;
  for (const auto& c : chunks) body += c;
  return std::string(magic, 4) + Be(body.size() + 6, 2) + body;
}
inline std::string Ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return std::string{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                     static_cast<char>(d)};
}
// The spec rev 37 example packet (113 bytes).
inline std::string SpecVector() {
  return Hep3({Ch(1, Be(2, 1)), Ch(2, Be(17, 1)), Ch(3, Ip4(212, 202, 0, 1)),
               Ch(4, Ip4(82, 116, 0, 211)), Ch(7, Be(12010, 2)), Ch(8, Be(5060, 2)),
               Ch(9, Be(1313440459, 4)), Ch(10, Be(120000, 4)), Ch(11, Be(1, 1)),
               Ch(12, Be(228, 4)), Ch(15, "INVITE sip:bob")});
}

// A HEPv3 packet with addresses, ip proto, time, proto type SIP, capture
// id and a SIP payload (the typed chunks of an ordinary capture).
inline Packet RichV3() {
  Packet p;
  p.SetAddresses({IpAddr::Parse("10.0.0.1").value(), 5060},
                 {IpAddr::Parse("10.0.0.2").value(), 5080});
  p.ip_proto = 17;
  p.Mark(kChunkIpProto);
  p.ts_sec = 1700000000;
  p.ts_usec = 123456;
  p.Mark(kChunkTsSec);
  p.Mark(kChunkTsUsec);
  p.proto_type = kProtoSip;
  p.Mark(kChunkProtoType);
  p.capture_id = 2001;
  p.Mark(kChunkCaptureId);
  p.payload = "INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";
  p.Mark(kChunkPayload);
  return p;
}

}  // namespace sipcapd::hep::testing
