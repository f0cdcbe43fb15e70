// siptrace: traces SIP messages to HEP collectors, SIP destinations and the
// sip_trace DB table (OpenSIPS 2.4 siptrace; 3.x `trace()` / MI `trace`
// accepted as aliases). Logic lives in tracer.cpp, trace_id.cpp,
// trace_record.cpp, udp_sender.cpp and siptrace_mi.cpp; this file holds
// the adapters and the export table.
#include <atomic>
#include <filesystem>
#include <memory>

#include "core/base/log.h"
#include "core/db/driver.h"
#include "core/module/module_api.h"
#include "core/script/core_exports.h"
#include "core/sip/msg_helpers.h"
#include "modules/siptrace/hep_api_out.h"
#include "modules/siptrace/siptrace_mi.h"
#include "modules/siptrace/trace_scopes.h"
#include "modules/siptrace/tracer.h"

namespace sipcapd::siptrace {
namespace {

constexpr const char* kTmService = tm::kTmApiName;
constexpr const char* kDialogService = dialog::kDialogApiName;

struct State {
  Tracer tracer{TracerOptions{}};
  int trace_on = 1;
  std::string local_ip;
  std::vector<std::string> columns = DefaultColumns();
  std::atomic<bool> needs_tm{false}, needs_dialog{false};
  std::unique_ptr<HepApiOut> hep_out;
  tm::TmApi* tm = nullptr;
  dialog::DialogApi* dlg = nullptr;
  ModuleExports* exports = nullptr;  // for dependencies added by trace_id
  bool xlog_hooked = false;
};

void AddDep(ModuleExports* e, const std::string& mod, bool required = true) {
  for (auto& d : e->deps)
    if (d.module == mod) {
      d.required = d.required || required;
      return;
    }
  e->deps.push_back({mod, required});
}

Status SetTraceId(State* s, const Value& v) {
  auto d = ParseTraceId(v.str_value());
  if (!d.ok()) return d.status();
  // HEP ids: proto_hep initialised first when loaded (packets through its
  // HepApi); required when a hep_id is named.
  if (d->type == DestType::kHep) AddDep(s->exports, "proto_hep", !d->hep_id.empty());
  if (d->type == DestType::kDb) {
    auto colon = d->db_url.find("://");
    AddDep(s->exports, "db_" + d->db_url.substr(0, colon));
  }
  s->tracer.AddDest(std::move(d).value());
  return Status::Ok();
}

// sip_trace(trace_id [, scope [, types [, trace_attrs]]])
int SipTrace(State* s, MsgContext& ctx, const CallArgs& a) {
  std::string id = a.Str(0);
  Scope scope = Scope::kMessage;
  if (const Scope* sc = a.Has(1) ? a.FixedAs<Scope>(1) : nullptr) scope = *sc;
  uint32_t types = kTypeSip;
  if (a.Has(2)) {
    if (const uint32_t* t = a.FixedAs<uint32_t>(2)) {
      types = *t;
    } else {
      types = ParseTypes(a.Str(2), nullptr);
    }
    if (!types) return -1;
  }
  std::string attrs = a.Has(3) ? a.Str(3) : std::string();
  // xlog lines of this message are traced whatever the scope (OpenSIPS
  // needs t or d for that; documented difference).
  if ((types & kTypeXlog) && s->tracer.HasId(id)) TraceContexts::MarkMessage(ctx, id, types);
  int rc = s->tracer.TraceMessage(ctx, id, types, attrs);
  // t / d are armed even when this first copy could not be queued
  // (collector down, queue full: that drop is already counted in
  // siptrace:dropped): the rest of the transaction / dialog is traced or
  // counted as dropped packet by packet. Only an unknown id stops here.
  if (scope == Scope::kMessage || !s->tracer.HasId(id)) return rc;
  ScopeTrace st{id, types, attrs};
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_request()) return rc;  // t/d on a reply: the message only
  if (scope == Scope::kDialog && s->dlg && m->method() == "INVITE")
    TraceDialog(s->tracer, *s->tm, *s->dlg, ctx, st);
  else if (s->tm)
    TraceTransaction(s->tracer, *s->tm, ctx, st);
  return rc;
}

std::vector<ArgSpec> SipTraceArgs(State* s) {
  ArgSpec id{ArgType::kStr};
  id.fixup = [s](const Value& c, std::any& out) -> Status {
    if (!s->tracer.HasId(c.AsString()))
      return Status::NotFound("unknown trace id '" + c.AsString() +
                              "' (declare it with "
                              "modparam(\"siptrace\", \"trace_id\", ...))");
    out = c.AsString();
    return Status::Ok();
  };
  ArgSpec scope{ArgType::kStr, true};
  scope.const_only = true;
  scope.fixup = [s](const Value& c, std::any& out) -> Status {
    auto sc = ParseScope(c.AsString());
    if (!sc.ok()) return sc.status();
    // Optional dependencies: tm / dialog initialise first when loaded;
    // Init() refuses the scope when they are not.
    if (*sc == Scope::kTransaction || *sc == Scope::kDialog) {
      s->needs_tm = true;
      AddDep(s->exports, "tm", false);
    }
    if (*sc == Scope::kDialog) {
      s->needs_dialog = true;
      AddDep(s->exports, "dialog", false);
    }
    out = *sc;
    return Status::Ok();
  };
  ArgSpec types{ArgType::kStr, true};
  types.fixup = [](const Value& c, std::any& out) -> Status {
    std::string unknown;
    uint32_t m = ParseTypes(c.AsString(), &unknown);
    if (!unknown.empty())
      LOG_WARN("siptrace", "sip_trace: unknown trace types '%s' ignored", unknown.c_str());
    if (!m) return Status::Invalid("no known trace type in '" + c.AsString() + "'");
    out = m;
    return Status::Ok();
  };
  ArgSpec attrs{ArgType::kStr, true};
  return {id, scope, types, attrs};
}

Status Init(State* s, Registrar& reg) {
  if (s->needs_tm && !reg.FindService(kTmService))
    return Status::Unsupported(
        "sip_trace scope 't' (transaction) needs module tm, which is not loaded/available");
  if (s->needs_dialog && !reg.FindService(kDialogService))
    return Status::Unsupported(
        "sip_trace scope 'd' (dialog) needs module dialog, which is not loaded/available");
  s->tm = reg.Service<tm::TmApi>(kTmService);
  s->dlg = reg.Service<dialog::DialogApi>(kDialogService);
  TracerOptions& o = s->tracer.options();
  o.trace_on = s->trace_on != 0;
  o.columns = s->columns;
  if (!reg.config().work_dir.empty()) {
    std::error_code ec;
    std::string dir = reg.config().work_dir + "/siptrace_spool";
    std::filesystem::create_directories(dir, ec);
    if (ec)
      LOG_WARN("siptrace",
               "no DB spool (cannot create %s: %s): rows are dropped while the DB is down",
               dir.c_str(), ec.message().c_str());
    else
      o.spool_dir = dir;
  }
  if (!s->local_ip.empty()) {
    std::string warning;
    auto l = ParseLocalIp(s->local_ip, &warning);
    if (!l.ok()) return l.status();
    if (!warning.empty()) LOG_WARN("siptrace", "%s", warning.c_str());
    o.local_ip = *l;
  }
  // With proto_hep loaded every HEP packet goes through its HepApi; without
  // it hep:<hep_id> ids fail here and inline HEP/UDP ids use our sender.
  if (auto* api = reg.Service<hep::HepApi>(hep::kHepApiName))
    s->hep_out = std::make_unique<HepApiOut>(api);
  auto find_driver = [&reg](const std::string& scheme) {
    return reg.Service<db::Driver>(db::DriverServiceName(scheme));
  };
  SIPCAPD_RETURN_IF_ERROR(s->tracer.Start(s->hep_out.get(), find_driver, &reg.stats()));
  // xlog tracing (only HEP destinations receive it).
  if (s->tracer.HasType(DestType::kHep)) {
    Tracer* t = &s->tracer;
    XlogHook::Set(
        [t](MsgContext& ctx, int level, std::string_view line) { t->TraceXlog(ctx, level, line); });
    s->xlog_hooked = true;
  }
  return Status::Ok();
}

ModuleExports* Create() {
  auto s = std::make_shared<State>();
  State* st = s.get();
  auto* e = new ModuleExports;
  st->exports = e;
  e->name = "siptrace";
  e->state = s;

  e->params.push_back(
      {"trace_id", ParamType::kStr, true, [st](const Value& v) { return SetTraceId(st, v); }});
  e->params.push_back(IntParam("trace_on", &st->trace_on));
  e->params.push_back(StrParam("trace_local_ip", &st->local_ip));
  static const char* kColParams[kTraceColumns] = {
      "msg_column",       "callid_column",     "method_column",   "status_column",
      "fromproto_column", "fromip_column",     "fromport_column", "toproto_column",
      "toip_column",      "toport_column",     "date_column",     "direction_column",
      "fromtag_column",   "trace_attrs_column"};
  for (int i = 0; i < kTraceColumns; ++i)
    e->params.push_back(StrParam(kColParams[i], &st->columns[i]));

  const uint32_t routes =
      kRequestRoute | kFailureRoute | kOnReplyRoute | kBranchRoute | kLocalRoute;
  auto fn = [st](MsgContext& ctx, const CallArgs& a) { return SipTrace(st, ctx, a); };
  e->functions.push_back({"sip_trace", SipTraceArgs(st), routes, fn, nullptr});
  e->functions.push_back({"trace", SipTraceArgs(st), routes, fn, nullptr});

  e->mi.push_back({"sip_trace", "show or set global / per trace id tracing (on|off)",
                   [st](const MiParams& p) { return MiSipTrace(st->tracer, p); }});
  e->mi.push_back({"trace", "3.x tracer form of sip_trace (named id, mode)",
                   [st](const MiParams& p) { return MiTrace3x(st->tracer, p); }});

  const TracerStats& ts = st->tracer.stats();
  e->stats = {{"traced_requests", const_cast<Stat*>(&ts.traced_requests)},
              {"traced_replies", const_cast<Stat*>(&ts.traced_replies)},
              {"dropped", const_cast<Stat*>(&ts.dropped)},
              {"not_traced_off", const_cast<Stat*>(&ts.not_traced_off)},
              {"traced_xlog", const_cast<Stat*>(&ts.traced_xlog)}};

  e->init = [st](Registrar& reg) { return Init(st, reg); };
  e->destroy = [st] {
    if (st->xlog_hooked) XlogHook::Set(nullptr);
    st->tracer.Stop();
  };
  return e;
}

}  // namespace
}  // namespace sipcapd::siptrace

SIPCAPD_MODULE("siptrace", sipcapd::siptrace::Create);
