// UDP SIP listener: one socket per listen=udp:..., `children` worker
// threads receiving from it in batches (recvmmsg), each datagram run through
// proxy::ProcessSip. The same socket is the send path (registered as a
// proxy::Sender) so forwarded requests and replies leave from our address.
#pragma once

#include <memory>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"

namespace sipcapd::proto_udp {

struct UdpStats {
  Stat rcv_msgs, rcv_bytes, truncated, rcv_errors, snd_msgs, snd_errors, bad_msgs;
};

struct UdpOptions {
  int rcvbuf = 0;  // bytes; 0 keeps the OS default
  int batch = 32;  // datagrams per recvmmsg
};

Result<std::unique_ptr<Listener>> MakeUdpListener(const ListenSpec& spec, Registrar& reg,
                                                  proxy::ProxyCore* core, const UdpOptions& opt,
                                                  UdpStats* stats);

}  // namespace sipcapd::proto_udp
