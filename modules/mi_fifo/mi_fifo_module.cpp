// mi_fifo: the FIFO MI transport (OpenSIPS 2.4 text protocol used by
// `opensipsctl fifo`, and the 3.x JSON-RPC form). Logic: fifo_server.cpp;
// this file holds the parameter adapters and the export table.
// doc/modules/mi_fifo.md lists the deliberate differences from OpenSIPS.
#include <memory>
#include <string>

#include "core/base/log.h"
#include "core/mi/mi_dispatch.h"
#include "core/mi/mi_trace.h"
#include "core/module/module_api.h"
#include "modules/mi_fifo/fifo_server.h"
#include "modules/proto_hep/hep_api.h"
#include "modules/siptrace/hep_event.h"

namespace sipcapd::mi_fifo {
namespace {

struct State {
  FifoOptions opts;
  std::string mode_text;  // as configured, resolved at init
  std::string user;
  std::string group;
  int64_t pretty = 0;  // 3.x pretty_printing: accepted, replies stay compact
  std::unique_ptr<FifoServer> server;
  // MI command tracing (OpenSIPS 2.3+): a proto_hep hep_id name.
  std::string trace_destination;
  std::string trace_bwlist;
  mi::TraceBwList bwlist;
  hep::HepApi* hep = nullptr;
  Stat traced, trace_dropped;
};

// Sends the request and the reply of one FIFO command as two "mi" HEP
// packets (proto type 0x57) sharing one MICORR... correlation id.
void TraceCall(State& st, const MiCallInfo& call) {
  if (call.backend != "fifo" || !st.bwlist.Traced(call.command)) return;
  std::string corr = hep_event::GenerateGuid("MICORR");
  auto send = [&](const mi::TraceParts& parts) {
    hep::Packet p = hep_event::MakeEventPacket(SockAddr{}, SockAddr{}, hep_event::kIpProtoTcp,
                                               hep_event::kProtoTypeMi, st.hep->capture_id());
    hep_event::SetCorrelation(&p, corr);
    st.hep->Encapsulate(&p, parts, {});
    if (st.hep->Send(st.trace_destination, p).ok())
      st.traced.Inc();
    else
      st.trace_dropped.Inc();
  };
  send(mi::MiTraceRequestParts(call.command, call.backend, call.params));
  send(mi::MiTraceReplyParts(call.result));
}

Status InitTracing(State& st, Registrar& reg, MiDispatcher* dispatcher) {
  auto bw = mi::ParseTraceBwList(st.trace_bwlist);
  if (!bw.ok()) return bw.status();
  st.bwlist = std::move(bw).value();
  st.hep = reg.Service<hep::HepApi>(hep::kHepApiName);
  if (!st.hep)
    return Status::NotFound("trace_destination needs module proto_hep (HepApi/1 not found)");
  if (!st.hep->FindDestination(st.trace_destination))
    return Status::NotFound("trace_destination: unknown hep_id '" + st.trace_destination +
                            "' (declare it with modparam(\"proto_hep\", \"hep_id\", ...))");
  State* s = &st;
  dispatcher->AddObserver([s](const MiCallInfo& call) { TraceCall(*s, call); });
  return Status::Ok();
}

std::string AsText(const Value& v) {
  return v.is_int() ? std::to_string(v.int_value()) : v.str_value();
}

ParamExport TextParam(const std::string& name, std::string* dst) {
  return {name, ParamType::kIntOrStr, false, [dst](const Value& v) {
            *dst = AsText(v);
            return Status::Ok();
          }};
}

Status Init(State& st, Registrar& reg) {
  auto* dispatcher = reg.Service<MiDispatcher>(kMiDispatcherService);
  if (!dispatcher) return Status::Unavailable("MI dispatcher service not available");
  if (!st.mode_text.empty()) {
    Result<mode_t> m = ParseFifoMode(st.mode_text);
    if (!m.ok()) return m.status();
    st.opts.fifo_mode = *m;
  }
  if (!st.user.empty()) {
    Result<uid_t> u = ResolveUser(st.user);
    if (!u.ok()) return Status::Invalid("fifo_user: " + u.status().message());
    st.opts.uid = *u;
  }
  if (!st.group.empty()) {
    Result<gid_t> g = ResolveGroup(st.group);
    if (!g.ok()) return Status::Invalid("fifo_group: " + g.status().message());
    st.opts.gid = *g;
  }
  if (!st.trace_destination.empty()) SIPCAPD_RETURN_IF_ERROR(InitTracing(st, reg, dispatcher));
  st.server = std::make_unique<FifoServer>(st.opts, dispatcher);
  Status s = st.server->Open();
  if (!s.ok()) return s;
  LOG_INFO("mi_fifo", "MI FIFO %s ready (mode %04o)", st.opts.fifo_name.c_str(),
           static_cast<unsigned>(st.opts.fifo_mode));
  return Status::Ok();
}

ModuleExports* Create() {
  auto st = std::make_shared<State>();
  State* s = st.get();
  auto* m = new ModuleExports;
  m->name = "mi_fifo";
  m->params = {
      StrParam("fifo_name", &s->opts.fifo_name),
      TextParam("fifo_mode", &s->mode_text),
      TextParam("fifo_user", &s->user),
      TextParam("fifo_group", &s->group),
      StrParam("reply_dir", &s->opts.reply_dir),
      StrParam("reply_indent", &s->opts.reply_indent),
      IntParam("pretty_printing", &s->pretty),
      {"trace_destination", ParamType::kStr, false,
       [s, m](const Value& v) {
         s->trace_destination = v.str_value();
         // proto_hep initialises first (its hep_ids are looked up at init).
         if (!s->trace_destination.empty()) m->deps.push_back({"proto_hep", true});
         return Status::Ok();
       }},
      StrParam("trace_bwlist", &s->trace_bwlist),
  };
  m->stats = {{"traced_commands", &s->traced}, {"trace_dropped", &s->trace_dropped}};
  m->init = [s](Registrar& reg) { return Init(*s, reg); };
  m->procs = {{"MI FIFO", 1, [s](int, const std::atomic<bool>& stop) {
                 if (s->server) s->server->Serve(stop);
               }}};
  m->destroy = [s] {
    if (s->server) s->server->Close();
  };
  m->state = st;
  return m;
}

}  // namespace
}  // namespace sipcapd::mi_fifo

SIPCAPD_MODULE("mi_fifo", ::sipcapd::mi_fifo::Create);
