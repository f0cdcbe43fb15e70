// TCP SIP listener: worker 0 runs an epoll reactor (accept, read, frame by
// Content-Length, idle / slow / garbage checks); workers 1..children take
// whole messages from a queue and run proxy::ProcessSip. The listener is
// also the TCP proxy::Sender: it reuses a connection to (or from) the
// destination address, else connects (bounded wait) and adds the new
// connection to the reactor so replies on it are read. Connection events
// go to `tracer` (see tcp_trace.h) when it is on.
#pragma once

#include <memory>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/proto_tcp/tcp_trace.h"

namespace sipcapd::proto_tcp {

struct TcpOptions {
  int max_connections = 2048;  // total (accepted + outgoing)
  int max_conns_per_ip = 256;  // accepted from one source IP; 0 = no cap
  int idle_timeout_s = 120;    // close connections idle this long
  int max_msg_time_s = 4;      // a started message must complete in time (slow peers)
  int max_msg_size = 65536;    // body bytes; headers are capped at 16 KiB
  int connect_timeout_ms = 2000;
  int queue_max = 20000;  // messages waiting for workers
};

struct TcpStats {
  Stat accepted, rejected, current, connected, connect_errors;
  Stat idle_closed, slow_closed, garbage_closed;
  Stat rcv_msgs, snd_msgs, snd_errors, queue_drops, bad_msgs;
};

Result<std::unique_ptr<Listener>> MakeTcpListener(const ListenSpec& spec, Registrar& reg,
                                                  proxy::ProxyCore* core, const TcpOptions& opt,
                                                  TcpStats* stats, TcpTracer* tracer);

}  // namespace sipcapd::proto_tcp
