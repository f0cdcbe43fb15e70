// A raw HEP collector for sender tests: a loopback socket and what it
// receives, split into TCP frames by their length (or UDP datagrams).
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "modules/proto_hep/hep_codec.h"

namespace sipcapd::hep::testing {

// A socket bound to 127.0.0.1:port (0: any port); SOCK_STREAM ones listen.
// rcvbuf > 0: its SO_RCVBUF, set before listen() so that accepted
// connections inherit it. -1 when the port cannot be bound.
inline int BindLoopback(int type, uint16_t port, int rcvbuf = 0) {
  int fd = socket(AF_INET, type, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  if (type == SOCK_STREAM) listen(fd, 8);
  return fd;
}

inline uint16_t LocalPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

struct RawReceived {
  std::vector<std::string> packets;  // whole frames / datagrams, in arrival order
  int connections = 0;               // TCP connections accepted
  bool garbage = false;              // bytes that are not a HEP frame (reception stopped)
};

// Receives up to `n` HEP packets on lfd within `ms`. TCP: accepts, splits
// the stream into frames, and when the sender closes and reconnects
// accepts again, dropping what the closed connection left of a frame (a
// truncated last one).
inline RawReceived Receive(int lfd, int type, size_t n, int ms = 15000) {
  RawReceived got;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  int fd = lfd;
  std::string buf;
  while (got.packets.size() < n && !got.garbage && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) != 1) continue;
    if (type == SOCK_STREAM && fd == lfd) {
      fd = accept(lfd, nullptr, nullptr);
      if (fd < 0)
        fd = lfd;
      else
        ++got.connections;
      continue;
    }
    char tmp[65536];
    ssize_t r = recv(fd, tmp, sizeof(tmp), 0);
    if (r <= 0) {
      if (type == SOCK_STREAM) {  // the sender reconnects: accept again
        close(fd);
        fd = lfd;
        buf.clear();
      }
      continue;
    }
    if (type == SOCK_DGRAM) {
      got.packets.emplace_back(tmp, static_cast<size_t>(r));
      continue;
    }
    buf.append(tmp, static_cast<size_t>(r));
    size_t off = 0;
    while (true) {
      FrameCheck f = NextFrame(std::span<const uint8_t>(
          reinterpret_cast<const uint8_t*>(buf.data()) + off, buf.size() - off));
      if (f.state == FrameState::kNeedMore) break;
      if (f.state != FrameState::kFrame) {
        got.garbage = true;
        break;
      }
      got.packets.push_back(buf.substr(off, f.length));
      off += f.length;
    }
    buf.erase(0, off);
  }
  if (fd != lfd) close(fd);
  return got;
}

}  // namespace sipcapd::hep::testing
