#include "core/net/address.h"

#include <arpa/inet.h>

#include <cstring>

namespace sipcapd {

std::optional<IpAddr> IpAddr::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  IpAddr a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    return a;
  }
  return std::nullopt;
}

IpAddr IpAddr::V4(uint32_t host_order) {
  IpAddr a;
  a.family = AF_INET;
  uint32_t n = htonl(host_order);
  std::memcpy(a.bytes.data(), &n, 4);
  return a;
}

std::string IpAddr::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family == AF_INET)
    inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (family == AF_INET6)
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  else
    return "";
  return buf;
}

bool IpAddr::IsAny() const {
  for (size_t i = 0; i < size(); ++i)
    if (bytes[i]) return false;
  return true;
}

socklen_t SockAddr::ToSockaddr(sockaddr_storage* ss) const {
  std::memset(ss, 0, sizeof *ss);
  if (ip.family == AF_INET) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, ip.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  if (ip.family == AF_INET6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, ip.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  return 0;
}

SockAddr SockAddr::FromSockaddr(const sockaddr* sa) {
  SockAddr a;
  if (!sa) return a;
  if (sa->sa_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(sa);
    a.ip.family = AF_INET;
    std::memcpy(a.ip.bytes.data(), &s4->sin_addr, 4);
    a.port = ntohs(s4->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
    a.ip.family = AF_INET6;
    std::memcpy(a.ip.bytes.data(), &s6->sin6_addr, 16);
    a.port = ntohs(s6->sin6_port);
  }
  return a;
}

std::string SockAddr::ToString() const {
  if (ip.family == AF_INET6) return "[" + ip.ToString() + "]:" + std::to_string(port);
  return ip.ToString() + ":" + std::to_string(port);
}

const char* ProtoName(Proto p) {
  switch (p) {
    case Proto::kUdp: return "udp";
    case Proto::kTcp: return "tcp";
    case Proto::kTls: return "tls";
    case Proto::kSctp: return "sctp";
    case Proto::kWs: return "ws";
    case Proto::kWss: return "wss";
    case Proto::kHepUdp: return "hep_udp";
    case Proto::kHepTcp: return "hep_tcp";
    case Proto::kHepTls: return "hep_tls";
    default: return "none";
  }
}

}  // namespace sipcapd
