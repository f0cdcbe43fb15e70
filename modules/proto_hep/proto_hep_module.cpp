// proto_hep module: thin adapters and the export table. Logic lives in
// hep_codec / hep_receiver / hep_udp_listener / hep_sender / hep_service.
#include <memory>

#include "core/base/log.h"
#include "core/module/module_api.h"
#include "modules/proto_hep/hep_correlate.h"
#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_tcp_listener.h"
#include "modules/proto_hep/hep_tls.h"
#include "modules/proto_hep/hep_udp_listener.h"

namespace sipcapd::hep {
namespace {

std::vector<StatExport> Stats(HepStats& s) {
  std::vector<StatExport> v = {
      {"received", &s.received},
      {"decoded", &s.decoded},
      {"unhandled", &s.unhandled},
      {"truncated", &s.truncated},
      {"trailing_bytes", &s.trailing},
      {"auth_failed", &s.auth_failed},
      {"auth_missing", &s.auth_missing},
      {"kernel_drops", &s.kernel_drops, kStatNoReset},
      {"tcp_accepted", &s.tcp_accepted},
      {"tcp_rejected", &s.tcp_rejected},
      {"tcp_closed", &s.tcp_closed},
      {"tcp_garbage", &s.tcp_garbage},
      {"tcp_stalled", &s.tcp_stalled},
      {"tcp_idle_closed", &s.tcp_idle_closed},
      {"tcp_connections", &s.tcp_current, kStatNoReset},
      {"sent", &s.sent},
      {"sent_direct", &s.sent_direct},
      {"send_dropped", &s.send_dropped},
      {"send_dropped_full", &s.send_dropped_full},
      {"send_dropped_write", &s.send_dropped_write},
      {"send_dropped_shutdown", &s.send_dropped_shutdown},
      {"dns_moves", &s.dns_moves},
      {"send_errors", &s.send_errors},
      {"connects", &s.connects},
      {"connect_failures", &s.connect_failures},
      {"tls_accepted", &s.tls_accepted},
      {"tls_handshake_failed", &s.tls_handshake_failed},
      {"tls_handshake_timeout", &s.tls_handshake_timeout},
      {"tls_plain_hep", &s.tls_plain_hep},
      {"tls_client_cert_rejected", &s.tls_cert_rejected},
      {"tls_connect_failed", &s.tls_connect_failed},
      {"spooled", &s.spooled},
      {"spool_replayed", &s.spool_replayed},
      {"spool_dropped", &s.spool_dropped},
  };
  for (size_t i = 1; i < s.errors.size(); ++i)
    v.push_back({std::string("err_") + DecodeErrorName(static_cast<DecodeError>(i)), &s.errors[i]});
  return v;
}

// hep_tcp and hep_tls: one listener class, the same connection policy
// params; hep_tls adds the server TLS context.
Result<std::unique_ptr<Listener>> StreamListener(HepService* h, const ListenSpec& spec,
                                                 Registrar& reg, bool tls) {
  const ProtoHepConfig& c = h->config();
  ListenSpec s = spec;
  if (s.port == 0) s.port = static_cast<uint16_t>(c.hep_port);
  TcpListenOptions o;
  o.workers = spec.children > 0 ? spec.children : reg.config().tcp_children;
  o.max_connections = c.hep_tcp_max_connections;
  o.max_conns_per_ip = c.hep_tcp_max_connections_per_ip;
  o.idle_timeout_ms = c.hep_tcp_idle_timeout * 1000;
  o.stall_timeout_ms = c.hep_tcp_stall_timeout * 1000;
  if (tls) {
    auto ctx = TlsContext::CreateServer(c.tls);
    if (!ctx.ok()) return Status::Invalid(spec.text + ": " + ctx.status().message());
    o.tls = std::move(ctx.value());
    o.handshake_timeout_ms = c.tls.handshake_timeout;
  }
  Registrar* r = &reg;
  return std::unique_ptr<Listener>(
      std::make_unique<HepTcpListener>(s, o, &h->receiver(), [r] { return r->WorkerVars(); }));
}

// correlate(hep_id, type1, correlation1, type2, correlation2): see
// hep_correlate.h. A constant hep_id must name a v3 id (cfg error).
FunctionExport CorrelateExport(HepService* h) {
  ArgSpec id;
  id.fixup = [h](const Value& c, std::any&) {
    return CheckCorrelateDestination(c.AsString(), h->FindDestination(c.AsString()));
  };
  return {"correlate",
          {id, {}, {}, {}, {}},
          kRequestRoute | kFailureRoute | kOnReplyRoute | kBranchRoute | kLocalRoute,
          [h](MsgContext&, const CallArgs& a) {
            return Correlate(*h, a.Str(0), a.Str(1), a.Str(2), a.Str(3), a.Str(4));
          }};
}

ModuleExports* Create() {
  auto svc = std::make_shared<HepService>();
  HepService* h = svc.get();
  ProtoHepConfig& c = h->config();
  auto* m = new ModuleExports;
  m->name = "proto_hep";
  m->params = {
      IntParam("hep_port", &c.hep_port),
      IntParam("hep_send_timeout", &c.hep_send_timeout),
      IntParam("hep_dns_refresh", &c.hep_dns_refresh),
      IntParam("hep_max_msg_chunks", &c.hep_max_msg_chunks),
      IntParam("hep_async", &c.hep_async),
      IntParam("hep_async_max_postponed_chunks", &c.hep_async_max_postponed_chunks),
      IntParam("hep_async_local_connect_timeout", &c.hep_async_local_connect_timeout),
      IntParam("hep_async_local_write_timeout", &c.hep_async_local_write_timeout),
      IntParam("hep_async_max_timeout", &c.hep_async_max_timeout),
      IntParam("hep_capture_id", &c.hep_capture_id),
      IntParam("homer5_on", &c.homer5_on),
      StrParam("homer5_delim", &c.homer5_delim),
      IntParam("compressed_payload", &c.compressed_payload),
      {"hep_id", ParamType::kStr, true, [h](const Value& v) { return h->AddHepId(v.AsString()); }},
      StrParam("hep_auth_key", &c.hep_auth_key),
      StrParam("hep_auth_check", &c.hep_auth_check),
      IntParam("hep_rcvbuf", &c.hep_rcvbuf),
      IntParam("hep_connect_timeout", &c.hep_connect_timeout),
      IntParam("hep_send_queue_size", &c.hep_send_queue_size),
      StrParam("hep_spool_dir", &c.hep_spool_dir),
      IntParam("hep_spool_max_size", &c.hep_spool_max_size),
      IntParam("hep_tcp_max_connections", &c.hep_tcp_max_connections),
      IntParam("hep_tcp_max_connections_per_ip", &c.hep_tcp_max_connections_per_ip),
      IntParam("hep_tcp_idle_timeout", &c.hep_tcp_idle_timeout),
      IntParam("hep_tcp_stall_timeout", &c.hep_tcp_stall_timeout),
      StrParam("tls_certificate", &c.tls.certificate),
      StrParam("tls_private_key", &c.tls.private_key),
      StrParam("tls_ca_list", &c.tls.ca_list),
      StrParam("tls_method", &c.tls.method),
      StrParam("tls_cipher_list", &c.tls.cipher_list),
      IntParam("tls_verify_client", &c.tls.verify_client),
      IntParam("tls_verify_server", &c.tls.verify_server),
      IntParam("tls_handshake_timeout", &c.tls.handshake_timeout),
      StrParam("tls_client_certificate", &c.tls.client_certificate),
      StrParam("tls_client_private_key", &c.tls.client_private_key),
  };
  m->stats = Stats(h->stats());
  m->functions = {CorrelateExport(h)};
  m->transports = {
      {"hep_udp", kDefaultHepPort,
       [h](const ListenSpec& spec, Registrar& reg) -> Result<std::unique_ptr<Listener>> {
         ListenSpec s = spec;
         if (s.port == 0) s.port = static_cast<uint16_t>(h->config().hep_port);
         UdpOptions o;
         o.workers = spec.children > 0 ? spec.children : reg.config().children;
         o.rcvbuf = h->config().hep_rcvbuf;
         Registrar* r = &reg;
         return std::unique_ptr<Listener>(std::make_unique<HepUdpListener>(
             s, o, &h->receiver(), [r] { return r->WorkerVars(); }));
       }},
      {"hep_tcp", kDefaultHepPort,
       [h](const ListenSpec& spec, Registrar& reg) { return StreamListener(h, spec, reg, false); }},
      {"hep_tls", kDefaultHepPort,
       [h](const ListenSpec& spec, Registrar& reg) { return StreamListener(h, spec, reg, true); }},
  };
  m->init = [h](Registrar& reg) -> Status {
    SIPCAPD_RETURN_IF_ERROR(h->Finalize());
    if (h->config().hep_async == 0)
      LOG_NOTICE("proto_hep",
                 "hep_async=0 is accepted but sending stays asynchronous "
                 "(a blocking send would stall SIP workers)");
    return reg.PublishService(kHepApiName, static_cast<HepApi*>(h));
  };
  m->destroy = [h] { h->StopSenders(); };
  m->state = svc;
  return m;
}

}  // namespace
}  // namespace sipcapd::hep

SIPCAPD_MODULE("proto_hep", ::sipcapd::hep::Create);
