// proto_tcp: the SIP-over-TCP transport ("listen=tcp:IP:PORT"), loaded with
// loadmodule "proto_tcp.so". Params: tcp_max_connections,
// tcp_max_conns_per_ip, tcp_connection_lifetime (idle seconds),
// tcp_max_msg_time (seconds to complete a started message),
// tcp_max_msg_size (body bytes), tcp_connect_timeout (ms); connection event
// tracing: trace_destination (a proto_hep hep_id), trace_on,
// trace_filter_route, MI tcp_trace [on|off] (tcp_trace.h).
#include <memory>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/proto_tcp/tcp_listener.h"

namespace sipcapd::proto_tcp {
namespace {

struct State {
  TcpOptions opt;
  TcpStats stats;
  TcpTraceOptions trace_opt;
  TcpTracer tracer;
  proxy::ProxyCore* core = nullptr;
};

ModuleExports* Create() {
  auto* m = new ModuleExports;
  auto st = std::make_shared<State>();
  m->name = "proto_tcp";
  m->state = st;
  auto& o = st->opt;
  m->params = {IntParam("tcp_max_connections", &o.max_connections),
               IntParam("tcp_max_conns_per_ip", &o.max_conns_per_ip),
               IntParam("tcp_connection_lifetime", &o.idle_timeout_s),
               IntParam("tcp_max_msg_time", &o.max_msg_time_s),
               IntParam("tcp_max_msg_size", &o.max_msg_size),
               IntParam("tcp_connect_timeout", &o.connect_timeout_ms),
               {"trace_destination", ParamType::kStr, false,
                [s = st.get(), m](const Value& v) {
                  s->trace_opt.destination = v.str_value();
                  // proto_hep initialises first: its hep_ids are looked up at init.
                  if (!v.str_value().empty()) m->deps.push_back({"proto_hep", true});
                  return Status::Ok();
                }},
               IntParam("trace_on", &st->trace_opt.trace_on),
               StrParam("trace_filter_route", &st->trace_opt.filter_route)};
  m->mi.push_back({"tcp_trace", "show or set TCP connection tracing (on|off)",
                   [s = st.get()](const MiParams& p) { return MiTcpTrace(s->tracer, p); }});
  auto& s = st->stats;
  m->stats = {{"accepted", &s.accepted},
              {"rejected", &s.rejected},
              {"current", &s.current, kStatNoReset},
              {"connected", &s.connected},
              {"connect_errors", &s.connect_errors},
              {"idle_closed", &s.idle_closed},
              {"slow_closed", &s.slow_closed},
              {"garbage_closed", &s.garbage_closed},
              {"rcv_msgs", &s.rcv_msgs},
              {"snd_msgs", &s.snd_msgs},
              {"snd_errors", &s.snd_errors},
              {"queue_drops", &s.queue_drops},
              {"bad_msgs", &s.bad_msgs},
              {"trace_events", &st->tracer.stats().events},
              {"trace_dropped", &st->tracer.stats().dropped},
              {"trace_filtered", &st->tracer.stats().filtered}};
  m->init = [st](Registrar& reg) -> Status {
    st->core = reg.Service<proxy::ProxyCore>(proxy::kProxyCoreService);
    if (!st->core) return Status::NotFound("core service ProxyCore/1 missing");
    if (st->opt.max_connections < 1 || st->opt.idle_timeout_s < 1 || st->opt.max_msg_time_s < 1)
      return Status::Invalid(
          "tcp_max_connections, tcp_connection_lifetime and tcp_max_msg_time must be >= 1");
    return st->tracer.Init(st->trace_opt, reg);
  };
  TransportExport t;
  t.proto = "tcp";
  t.default_port = 5060;
  t.create = [st](const ListenSpec& spec, Registrar& reg) -> Result<std::unique_ptr<Listener>> {
    if (!st->core) return Status::Internal("proto_tcp not initialised");
    return MakeTcpListener(spec, reg, st->core, st->opt, &st->stats, &st->tracer);
  };
  m->transports.push_back(std::move(t));
  return m;
}

}  // namespace
}  // namespace sipcapd::proto_tcp

SIPCAPD_MODULE("proto_tcp", ::sipcapd::proto_tcp::Create);
