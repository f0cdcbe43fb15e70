// Non-SIP HEP trace events (OpenSIPS 2.3+ "context" tracing): the packet
// skeleton shared by siptrace (xlog), mi_fifo (MI commands) and proto_tcp
// (connection events). Header-only on purpose: a module that only sends
// events through proto_hep's HepApi (a virtual interface) needs no link
// dependency on the codec library.
//
// The payload and the extra correlation are set afterwards with
// HepApi::Encapsulate (homer5_on decides between the delimiter-joined
// HOMER5 form and the HOMER6 JSON form).
// Thread-safety: pure functions.
#pragma once

#include <sys/time.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/net/address.h"
#include "modules/proto_hep/hep_codec.h"
#include "modules/proto_hep/hep_format.h"

namespace sipcapd::hep_event {

// HEP proto type ids of OpenSIPS's hep_ids[] table (chunk 0x000B).
inline constexpr uint8_t kProtoTypeSip = 0x01;
inline constexpr uint8_t kProtoTypeXlog = 0x64;  // 100
inline constexpr uint8_t kProtoTypeMi = 0x57;
inline constexpr uint8_t kProtoTypeRest = 0x58;
inline constexpr uint8_t kProtoTypeNet = 0x59;
inline constexpr uint8_t kProtoTypeControl = 0x60;

inline constexpr uint8_t kIpProtoTcp = 6;

// A packet with the fixed chunks of an event: family, ip proto, addresses
// and ports (`src` / `dst`; an unset address becomes 127.0.0.1 port 0),
// the current time, the proto type and the capture id. No payload yet.
inline hep::Packet MakeEventPacket(SockAddr src, SockAddr dst, uint8_t ip_proto, uint8_t proto_type,
                                   uint32_t capture_id) {
  hep::Packet p;
  p.version = 3;
  auto loopback = [](SockAddr& a, const SockAddr& other) {
    if (a.ip.is_set()) return;
    const char* lo = other.ip.is_set() && other.ip.family == AF_INET6 ? "::1" : "127.0.0.1";
    a = SockAddr{*IpAddr::Parse(lo), 0};
  };
  loopback(src, dst);
  loopback(dst, src);
  if (src.ip.family != dst.ip.family) dst = SockAddr{src.ip, 0};  // never mixed
  bool v6 = src.ip.family == AF_INET6;
  p.family = v6 ? 10 : 2;
  p.Mark(hep::kChunkIpFamily);
  p.src_ip = src.ip;
  p.dst_ip = dst.ip;
  p.Mark(v6 ? hep::kChunkIp6Src : hep::kChunkIp4Src);
  p.Mark(v6 ? hep::kChunkIp6Dst : hep::kChunkIp4Dst);
  p.src_port = src.port;
  p.dst_port = dst.port;
  p.Mark(hep::kChunkSrcPort);
  p.Mark(hep::kChunkDstPort);
  p.ip_proto = ip_proto;
  p.Mark(hep::kChunkIpProto);
  timeval tv;
  gettimeofday(&tv, nullptr);
  p.ts_sec = static_cast<uint32_t>(tv.tv_sec);
  p.ts_usec = static_cast<uint32_t>(tv.tv_usec);
  p.Mark(hep::kChunkTsSec);
  p.Mark(hep::kChunkTsUsec);
  p.proto_type = proto_type;
  p.Mark(hep::kChunkProtoType);
  p.capture_id = capture_id;
  p.Mark(hep::kChunkCaptureId);
  p.payload.clear();
  p.Mark(hep::kChunkPayload);
  return p;
}

inline void SetCorrelation(hep::Packet* p, std::string id) {
  p->correlation_id = std::move(id);
  p->Mark(hep::kChunkCorrelationId);
}

// OpenSIPS generate_guid(): a cookie ("MICORR", "RESTCORR") followed by
// the base64 of 20 random bytes (28 characters).
inline std::string GenerateGuid(std::string_view cookie) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  unsigned char raw[21] = {};
  for (int i = 0; i < 20; i += 4) {
    uint64_t r = rng();
    for (int j = 0; j < 4; ++j) raw[i + j] = static_cast<unsigned char>(r >> (8 * j));
  }
  std::string out(cookie.substr(0, 16));
  for (int i = 0; i < 21; i += 3) {  // 20 bytes: the last group has 2 bytes + '='
    uint32_t v = (uint32_t{raw[i]} << 16) | (uint32_t{raw[i + 1]} << 8) | raw[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += i + 2 < 20 ? kB64[v & 63] : '=';
  }
  return out;
}

}  // namespace sipcapd::hep_event
