// Test helpers for the siptrace tests: Tracer options with the default
// sip_trace columns; a UDP socket bound to 127.0.0.1 on a port the OS
// picks, receiving datagrams with a bounded wait.
#pragma once

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "modules/siptrace/tracer.h"

namespace sipcapd::siptrace {

inline TracerOptions Opts() {
  TracerOptions o;
  o.columns = DefaultColumns();
  return o;
}

struct UdpSink {
  int fd = -1;
  uint16_t port = 0;
  UdpSink() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t l = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
    port = ntohs(a.sin_port);
  }
  ~UdpSink() { ::close(fd); }
  UdpSink(const UdpSink&) = delete;
  UdpSink& operator=(const UdpSink&) = delete;
  // Next datagram within timeout_ms, or "" when none.
  std::string Recv(int timeout_ms = 2000) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return "";
    char buf[65536];
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
};

}  // namespace sipcapd::siptrace
