// proto_udp: the SIP-over-UDP transport ("listen=udp:IP:PORT"). Unlike
// OpenSIPS 2.4, where UDP is built in, sipcapd needs loadmodule
// "proto_udp.so" (as for every transport); a listen=udp: without it is a cfg
// error that names the module.
#include <memory>

#include "core/module/module_api.h"
#include "core/proxy/proxy_core.h"
#include "modules/proto_udp/udp_listener.h"

namespace sipcapd::proto_udp {
namespace {

struct State {
  UdpOptions opt;
  UdpStats stats;
  proxy::ProxyCore* core = nullptr;
};

ModuleExports* Create() {
  auto* m = new ModuleExports;
  auto st = std::make_shared<State>();
  m->name = "proto_udp";
  m->state = st;
  m->params = {IntParam("udp_rcvbuf", &st->opt.rcvbuf), IntParam("udp_batch", &st->opt.batch)};
  auto& s = st->stats;
  m->stats = {{"rcv_msgs", &s.rcv_msgs},   {"rcv_bytes", &s.rcv_bytes},
              {"truncated", &s.truncated}, {"rcv_errors", &s.rcv_errors},
              {"snd_msgs", &s.snd_msgs},   {"snd_errors", &s.snd_errors},
              {"bad_msgs", &s.bad_msgs}};
  m->init = [st](Registrar& reg) -> Status {
    st->core = reg.Service<proxy::ProxyCore>(proxy::kProxyCoreService);
    if (!st->core) return Status::NotFound("core service ProxyCore/1 missing");
    return Status::Ok();
  };
  TransportExport t;
  t.proto = "udp";
  t.default_port = 5060;
  t.create = [st](const ListenSpec& spec, Registrar& reg) -> Result<std::unique_ptr<Listener>> {
    if (!st->core) return Status::Internal("proto_udp not initialised");
    return MakeUdpListener(spec, reg, st->core, st->opt, &st->stats);
  };
  m->transports.push_back(std::move(t));
  return m;
}

}  // namespace
}  // namespace sipcapd::proto_udp

SIPCAPD_MODULE("proto_udp", ::sipcapd::proto_udp::Create);
