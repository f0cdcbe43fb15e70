// sipcapture: the capture node (HOMER). Thin adapters over State and the
// pure helpers, then the export table. See doc/modules/sipcapture.md.
#include <cjson/cJSON.h>
#include <strings.h>

#include <cstring>
#include <memory>

#include "core/base/log.h"
#include "core/db/url.h"
#include "modules/sipcapture/capture_state.h"
#include "modules/sipcapture/hep_chunk_ops.h"

namespace sipcapd::sipcapture {
namespace {

using SP = std::shared_ptr<State>;
constexpr uint32_t kCaptureRoutes =
    kRequestRoute | kFailureRoute | kOnReplyRoute | kBranchRoute | kLocalRoute;

// Fixup of a constant table argument: declares it to the store.
ArgSpec TableArg(const SP& s, TableKind kind, bool optional) {
  ArgSpec a;
  a.type = ArgType::kStr;
  a.optional = optional;
  a.const_only = true;
  a.fixup = [s, kind](const Value& v, std::any& out) -> Status {
    std::string t = v.is_null() ? "" : v.AsString();
    if (!t.empty()) SIPCAPD_RETURN_IF_ERROR(s->store.Declare(kind, t));
    out = t;
    return Status::Ok();
  };
  return a;
}

ArgSpec Str(bool optional = false) {
  ArgSpec a;
  a.type = ArgType::kStr;
  a.optional = optional;
  return a;
}
ArgSpec Any(bool optional = false) {
  ArgSpec a;
  a.type = ArgType::kAny;
  a.optional = optional;
  return a;
}

// Argument i as text; "" when absent or null (an empty argument "f(, x)").
std::string ArgStr(const CallArgs& a, size_t i) {
  if (!a.Has(i) || a.Get(i).is_null()) return "";
  return a.Str(i);
}

int WSipCapture(const SP& s, MsgContext& ctx, const CallArgs& a) {
  std::string table = ArgStr(a, 0);
  if (table.empty()) table = s->cfg.table_name;
  std::string cf[3];
  for (size_t i = 1; i < 4; ++i) cf[i - 1] = ArgStr(a, i);
  return s->SipCapture(ctx, table, cf);
}

int WReportCapture(const SP& s, MsgContext& ctx, const CallArgs& a) {
  std::string table, corr;
  if (a.size() == 1 || !a.Has(1)) {
    corr = ArgStr(a, 0);
  } else if (a.Fixed(0) || !a.Fixed(1)) {
    table = ArgStr(a, 0);  // 2.4 order: (table, correlation_id [, proto_type])
    corr = ArgStr(a, 1);
  } else {
    corr = ArgStr(a, 0);  // 3.x order: (correlation_id, table [, proto_type])
    table = ArgStr(a, 1);
  }
  if (table.empty()) table = s->cfg.rtcp_table_name;
  int pt = -1;
  if (std::string t = ArgStr(a, 2); !t.empty()) {
    auto n = Value::Str(t).AsInt();
    if (!n) {
      LOG_ERR("sipcapture", "report_capture: proto_type '%s' is not a number", t.c_str());
      return -1;
    }
    pt = static_cast<int>(*n);
  }
  return s->ReportCapture(ctx, table, corr, pt);
}

bool HepV3(const SP& s, MsgContext& ctx, HepView* hv, const char* fn) {
  if (!s->Hep(ctx, hv)) {
    LOG_WARN("sipcapture", "%s: not a HEP message", fn);
    return false;
  }
  if (hv->version != 3) {
    LOG_WARN("sipcapture", "%s: works on HEPv3 only (got v%d)", fn, hv->version);
    return false;
  }
  return true;
}

int WHepSet(const SP& s, MsgContext& ctx, const CallArgs& a) {
  HepView hv;
  if (!HepV3(s, ctx, &hv, "hep_set")) return -1;
  std::string chunk, data, type = "utf8-string", vendor = "3";
  if (a.size() == 2 || !a.Has(2)) {
    chunk = a.Str(0);
    data = a.Str(1);
  } else if (a.Has(3) && ParseDataType(a.Str(0)).ok()) {  // 2.4 (type, chunk, vendor, data)
    type = a.Str(0);
    chunk = a.Str(1);
    vendor = a.Str(2);
    data = a.Str(3);
  } else {  // 3.x (chunk, data, [type], [vendor])
    chunk = a.Str(0);
    data = a.Str(1);
    type = a.Str(2);
    if (a.Has(3)) vendor = a.Str(3);
  }
  auto id = ParseChunkId(chunk);
  auto dt = ParseDataType(type);
  auto vid = ParseVendorId(vendor);
  if (!id.ok() || !dt.ok() || !vid.ok()) {
    LOG_ERR("sipcapture", "hep_set: %s",
            (!id.ok()   ? id.status()
             : !dt.ok() ? dt.status()
                        : vid.status())
                .message()
                .c_str());
    return -1;
  }
  auto r = HepSet(hv.pkt, *id, *dt, *vid, data);
  if (!r.ok()) {
    LOG_ERR("sipcapture", "hep_set(%s): %s", chunk.c_str(), r.status().message().c_str());
    return -1;
  }
  if (hv.modified) *hv.modified = true;
  if (*r == SetOutcome::kStop) {
    LOG_WARN("sipcapture", "hep_set: chunk '%s' cannot be set", chunk.c_str());
    return 0;
  }
  return 1;
}

int WHepGet(const SP& s, MsgContext& ctx, const CallArgs& a) {
  HepView hv;
  if (!HepV3(s, ctx, &hv, "hep_get")) return -1;
  std::string chunk, type = "utf8-string";
  const PvHandle* vendor_pv = nullptr;
  const PvHandle* data_pv = nullptr;
  if (a.size() == 3 || !a.Has(3)) {
    if (a.Var(1)) {  // 2.4 (chunk, vendor_pv, data_pv)
      chunk = a.Str(0);
      vendor_pv = a.Var(1);
      data_pv = a.Var(2);
    } else {  // 3.x (chunk, type, data_pv)
      chunk = a.Str(0);
      type = a.Get(1).AsString();
      data_pv = a.Var(2);
    }
  } else if (ParseDataType(a.Str(0)).ok()) {  // 2.4 (type, chunk, vendor_pv, data_pv)
    type = a.Str(0);
    chunk = a.Get(1).AsString();
    vendor_pv = a.Var(2);
    data_pv = a.Var(3);
  } else {  // 3.x (chunk, type, data_pv, vendor_pv)
    chunk = a.Str(0);
    type = a.Get(1).AsString();
    data_pv = a.Var(2);
    vendor_pv = a.Var(3);
  }
  if (!vendor_pv && !data_pv) {
    LOG_ERR("sipcapture", "hep_get: no output variable");
    return -1;
  }
  auto id = ParseChunkId(chunk);
  auto dt = ParseDataType(type);
  if (!id.ok() || !dt.ok()) {
    LOG_ERR("sipcapture", "hep_get: %s", (!id.ok() ? id.status() : dt.status()).message().c_str());
    return -1;
  }
  auto r = HepGet(*hv.pkt, *id, *dt);
  Value vv = r.ok() ? r->vendor : Value::Null();
  Value dv = r.ok() ? r->data : Value::Null();
  if (vendor_pv) (void)vendor_pv->Set(ctx, vv);
  if (data_pv) (void)data_pv->Set(ctx, dv);
  return r.ok() ? 1 : -1;
}

int WHepDel(const SP& s, MsgContext& ctx, const CallArgs& a) {
  HepView hv;
  if (!HepV3(s, ctx, &hv, "hep_del")) return -1;
  auto id = ParseChunkId(a.Str(0));
  if (!id.ok()) {
    LOG_ERR("sipcapture", "hep_del: %s", id.status().message().c_str());
    return -1;
  }
  if (!HepDel(hv.pkt, *id).ok()) return -1;
  if (hv.modified) *hv.modified = true;
  return 1;
}

int WHepRelay(const SP& s, MsgContext& ctx, const CallArgs&) {
  HepView hv;
  if (!s->Hep(ctx, &hv)) {
    LOG_WARN("sipcapture", "hep_relay: not a HEP message");
    return -1;
  }
  std::string uri = !ctx.dst_uri.empty() ? ctx.dst_uri : ctx.new_ruri;
  if (uri.empty()) {
    LOG_ERR("sipcapture", "hep_relay: no $du and no rewritten R-URI");
    return -1;
  }
  Status st = s->hep->Relay(*hv.pkt, hv.version, uri);
  if (!st.ok()) {
    s->relay_errors.Inc();
    LOG_ERR("sipcapture", "hep_relay(%s): %s", uri.c_str(), st.message().c_str());
    return -1;
  }
  s->relayed.Inc();
  return 1;
}

int WHepResumeSip(const SP&, MsgContext& ctx, const CallArgs&) {
  if (ctx.ext.count(kResumeKey)) return -1;  // called twice
  ctx.ext[kResumeKey] = std::make_unique<ResumeSip>();
  return 0;  // ends the hep_route run
}

// $hep_net(name): the outer HEP transport.
Value HepNet(const SP& s, MsgContext& ctx, const PvArgs& a) {
  HepView hv;
  if (!s->Hep(ctx, &hv)) return Value::Null();
  int id = std::any_cast<int>(a.parsed);
  const RecvInfo& r = hv.outer;
  switch (id) {
    case 1: return Value::Str(r.src.ip.family == AF_INET6 ? "AF_INET6" : "AF_INET");
    case 2:
      return Value::Str(r.proto == Proto::kHepTcp   ? "HEP_TCP"
                        : r.proto == Proto::kHepTls ? "HEP_TLS"
                                                    : "HEP_UDP");
    case 3: return Value::Str(r.src.ip.ToString());
    case 4: return Value::Str(r.dst.ip.ToString());
    case 7: return Value::Int(r.src.port);
    case 8: return Value::Int(r.dst.port);
    default: return Value::Null();
  }
}

MiResult MiSipCapture(const SP& s, const MiParams& p) {
  if (p.positional.empty()) {
    return MiResult::Ok(JsonPtr(cJSON_CreateString(s->capture_on.load() ? "on" : "off")));
  }
  const std::string& v = p.positional[0];
  if (strcasecmp(v.c_str(), "on") == 0)
    s->capture_on.store(1);
  else if (strcasecmp(v.c_str(), "off") == 0)
    s->capture_on.store(0);
  else
    return MiResult::Error(400, "Bad parameter");
  return MiResult::Ok();
}

// raw_ipip_capture_on / raw_moni_capture_on: opens the raw socket and sets
// the number of "raw receiver" threads.
Status InitRaw(const SP& s, ModuleExports* e) {
  Config& c = s->cfg;
  if (!c.raw_ipip_capture_on && !c.raw_moni_capture_on) return Status::Ok();
  if (c.raw_ipip_capture_on && c.raw_moni_capture_on)
    return Status::Invalid("raw_ipip_capture_on and raw_moni_capture_on: only one raw mode");
  if (c.raw_socket_listen.empty())
    return Status::Invalid("raw capture needs raw_socket_listen (\"IP[:port[-port]]\")");
  auto l = ParseRawListen(c.raw_socket_listen);
  if (!l.ok()) return l.status();
  s->raw = std::make_unique<RawCapture>(&s->raw_stats);
  SIPCAPD_RETURN_IF_ERROR(
      s->raw->Open(c.raw_ipip_capture_on ? RawCapture::Mode::kIpip : RawCapture::Mode::kMirror, *l,
                   c.raw_interface, c.promiscuous_on != 0, c.raw_moni_bpf_on != 0));
  e->procs[0].count = c.raw_sock_children > 0 ? c.raw_sock_children : 1;
  return Status::Ok();
}

Status Init(const SP& s, ModuleExports* e, Registrar& reg) {
  s->reg = &reg;
  Config& c = s->cfg;
  s->capture_on.store(c.capture_on ? 1 : 0);
  SIPCAPD_RETURN_IF_ERROR(InitRaw(s, e));
  if (c.hep_route_mode == HepRouteMode::kNamed &&
      !reg.script().HasRoute(kRequestRoute, c.hep_route))
    return Status::Invalid("hep_route: route[" + c.hep_route + "] does not exist");
  if (c.hep_route_mode == HepRouteMode::kNone) s->NeedsDb("hep_route=none");
  SIPCAPD_RETURN_IF_ERROR(s->store.Declare(TableKind::kSip, c.table_name));
  SIPCAPD_RETURN_IF_ERROR(s->store.Declare(TableKind::kReport, c.rtcp_table_name));
  if (c.store_non_sip) {
    SIPCAPD_RETURN_IF_ERROR(s->store.Declare(TableKind::kReport, c.logs_table_name));
    SIPCAPD_RETURN_IF_ERROR(s->store.Declare(TableKind::kReport, c.report_table_name));
  }
  if (c.hep_capture_on) {
    auto b = BindHepApi(reg, [s](MsgContext& ctx) { return s->OnHep(ctx); });
    if (!b.ok())
      return Status::Invalid("hep_capture_on=1 needs proto_hep: " + b.status().message());
    s->hep = std::move(b).value();
    c.report_layout = s->hep->HomerVersion() == 6 ? ReportLayout::kHomer6 : ReportLayout::kHomer5;
  }
  std::string url_text = c.db_url.empty() ? reg.config().db_default_url : c.db_url;
  if (url_text.empty()) {
    // A relay/routing-only node (hep_relay, no storing function) needs no DB.
    if (s->needs_db)
      return Status::Invalid("db_url is not set (nor db_default_url), but " + s->needs_db_why +
                             " stores to the database");
    if (c.store_non_sip && c.hep_capture_on)
      LOG_INFO("sipcapture",
               "no db_url: nothing is stored; non-SIP HEP payloads reaching the SIP "
               "path are counted in non_sip_dropped");
    return Status::Ok();
  }
  auto url = db::ParseUrl(url_text);
  if (!url.ok()) return Status::Invalid("db_url: " + url.status().message());
  auto* driver = reg.Service<db::Driver>(db::DriverServiceName(url->scheme));
  if (!driver)
    return Status::Invalid("db_url: no driver for '" + url->scheme + "' (loadmodule \"db_" +
                           url->scheme + ".so\")");
  return s->store.Start(c, driver, *url, reg.config().work_dir, &reg.stats());
}

ParamExport IntP(const std::string& n, int* dst) { return IntParam(n, dst); }
ParamExport StrP(const std::string& n, std::string* dst) { return StrParam(n, dst); }

ModuleExports* Create() {
  auto* e = new ModuleExports;
  auto s = std::make_shared<State>();
  e->name = "sipcapture";
  e->state = s;
  e->deps = {{"proto_hep", false}};
  Config& c = s->cfg;
  SipColumnNames& k = c.col;
  e->params = {
      StrP("db_url", &c.db_url),
      StrP("table_name", &c.table_name),
      StrP("rtcp_table_name", &c.rtcp_table_name),
      StrP("id_column", &k.id),
      StrP("date_column", &k.date),
      StrP("micro_ts_column", &k.micro_ts),
      StrP("method_column", &k.method),
      StrP("reply_reason_column", &k.reply_reason),
      StrP("ruri_column", &k.ruri),
      StrP("ruri_user_column", &k.ruri_user),
      StrP("from_user_column", &k.from_user),
      StrP("from_tag_column", &k.from_tag),
      StrP("to_user_column", &k.to_user),
      StrP("to_tag_column", &k.to_tag),
      StrP("pid_user_column", &k.pid_user),
      StrP("contact_user_column", &k.contact_user),
      StrP("auth_user_column", &k.auth_user),
      StrP("callid_column", &k.callid),
      StrP("callid_aleg_column", &k.callid_aleg),
      StrP("via_1_column", &k.via_1),
      StrP("via_1_branch_column", &k.via_1_branch),
      StrP("cseq_column", &k.cseq),
      StrP("diversion_column", &k.diversion),
      StrP("reason_column", &k.reason),
      StrP("content_type_column", &k.content_type),
      StrP("authorization_column", &k.authorization),
      StrP("user_agent_column", &k.user_agent),
      StrP("source_ip_column", &k.source_ip),
      StrP("source_port_column", &k.source_port),
      StrP("destination_ip_column", &k.destination_ip),
      StrP("destination_port_column", &k.destination_port),
      StrP("contact_ip_column", &k.contact_ip),
      StrP("contact_port_column", &k.contact_port),
      StrP("originator_ip_column", &k.originator_ip),
      StrP("originator_port_column", &k.originator_port),
      StrP("proto_column", &k.proto),
      StrP("family_column", &k.family),
      StrP("rtp_stat_column", &k.rtp_stat),
      StrP("type_column", &k.type),
      StrP("node_column", &k.node),
      StrP("msg_column", &k.msg),
      IntP("capture_on", &c.capture_on),
      StrP("capture_node", &c.capture_node),
      IntP("raw_sock_children", &c.raw_sock_children),
      IntP("hep_capture_on", &c.hep_capture_on),
      IntP("max_async_queries", &c.max_async_queries),
      StrP("raw_socket_listen", &c.raw_socket_listen),
      IntP("raw_ipip_capture_on", &c.raw_ipip_capture_on),
      IntP("raw_moni_capture_on", &c.raw_moni_capture_on),
      StrP("raw_interface", &c.raw_interface),
      IntP("promiscious_on", &c.promiscuous_on),
      IntP("promiscuous_on", &c.promiscuous_on),
      IntP("raw_moni_bpf_on", &c.raw_moni_bpf_on),
      {"hep_route", ParamType::kStr, false,
       [&c](const Value& v) -> Status {
         c.hep_route = v.str_value();
         if (strcasecmp(c.hep_route.c_str(), "none") == 0)
           c.hep_route_mode = HepRouteMode::kNone;
         else if (strcasecmp(c.hep_route.c_str(), "sip") == 0 || c.hep_route.empty())
           c.hep_route_mode = HepRouteMode::kSip;
         else
           c.hep_route_mode = HepRouteMode::kNamed;
         return Status::Ok();
       }},
      IntP("store_non_sip", &c.store_non_sip),
      StrP("logs_table_name", &c.logs_table_name),
      StrP("report_table_name", &c.report_table_name),
      IntP("create_tables", &c.create_tables),
      IntP("batch_rows", &c.batch_rows),
      IntP("flush_interval_ms", &c.flush_interval_ms),
      StrP("spool_dir", &c.spool_dir),
  };
  auto fn = [s](int (*f)(const SP&, MsgContext&, const CallArgs&)) {
    return [s, f](MsgContext& ctx, const CallArgs& a) { return f(s, ctx, a); };
  };
  e->functions = {
      {"sip_capture",
       {TableArg(s, TableKind::kSip, true), Str(true), Str(true), Str(true)},
       kCaptureRoutes,
       fn(WSipCapture),
       nullptr},
      {"report_capture",
       {Str(), Str(true), Str(true)},
       kCaptureRoutes,
       fn(WReportCapture),
       nullptr},
      {"hep_set", {Str(), Str(), Str(true), Str(true)}, kAllRoutes, fn(WHepSet), nullptr},
      {"hep_get", {Str(), Any(), Any(), Any(true)}, kAllRoutes, fn(WHepGet), nullptr},
      {"hep_del", {Str()}, kAllRoutes, fn(WHepDel), nullptr},
      {"hep_relay", {}, kAllRoutes, fn(WHepRelay), nullptr},
      {"hep_resume_sip", {}, kRequestRoute, fn(WHepResumeSip), nullptr},
  };
  // Using a storing function anywhere in the script makes db_url mandatory.
  e->functions[0].on_use = [s] {
    s->NeedsDb("sip_capture()");
    return Status::Ok();
  };
  e->functions[1].on_use = [s] {
    s->NeedsDb("report_capture()");
    return Status::Ok();
  };
  // report_capture tables: a constant first argument of the 2/3-argument
  // form is a table (2.4 order), a constant second one too (3.x order).
  for (int i : {0, 1}) {
    e->functions[1].args[i].fixup = [s, i](const Value& v, std::any& out) -> Status {
      std::string t = v.is_null() ? "" : v.AsString();
      out = t;
      if (!t.empty() && db::IsSafeIdentifier(t) && (i == 0 || t.find('%') == std::string::npos))
        (void)s->store.Declare(TableKind::kReport, t);
      return Status::Ok();
    };
  }
  PvExport hep_net;
  hep_net.name = "hep_net";
  hep_net.name_mode = PvExport::NameMode::kRequired;
  hep_net.parse_name = [](std::string_view n, std::any& out) -> Status {
    static const std::pair<const char*, int> kNames[] = {{"proto_family", 1}, {"proto_id", 2},
                                                         {"src_ip", 3},       {"dst_ip", 4},
                                                         {"src_port", 7},     {"dst_port", 8}};
    for (const auto& [name, id] : kNames)
      if (strncasecmp(n.data(), name, n.size()) == 0 && strlen(name) == n.size()) {
        out = id;
        return Status::Ok();
      }
    return Status::Invalid("$hep_net: unknown name '" + std::string(n) + "'");
  };
  hep_net.get = [s](MsgContext& ctx, const PvArgs& a) { return HepNet(s, ctx, a); };
  PvExport hv;
  hv.name = "HEPVERSION";
  hv.get = [s](MsgContext& ctx, const PvArgs&) -> Value {
    HepView v;
    return s->Hep(ctx, &v) ? Value::Int(v.version) : Value::Null();
  };
  e->pvs = {hep_net, hv};
  e->mi = {{"sip_capture", "sip_capture [on|off]: show or switch capturing",
            [s](const MiParams& p) { return MiSipCapture(s, p); }}};
  e->stats = {{"captured_requests", &s->captured_requests},
              {"captured_replies", &s->captured_replies},
              {"captured_other", &s->captured_other},
              {"drop_capture_off", &s->capture_off_drops},
              {"drop_db", &s->db_drops},
              {"drop_not_hep", &s->not_hep_drops},
              {"non_sip_stored", &s->non_sip_stored},
              {"non_sip_dropped", &s->non_sip_dropped},
              {"relayed", &s->relayed},
              {"relay_errors", &s->relay_errors},
              {"raw_packets", &s->raw_stats.packets},
              {"raw_captured", &s->raw_stats.captured},
              {"raw_port_filtered", &s->raw_stats.port_filtered},
              {"raw_not_udp", &s->raw_stats.not_udp},
              {"raw_bad", &s->raw_stats.bad},
              {"raw_fragments", &s->raw_stats.fragments},
              {"raw_reassembled", &s->raw_stats.reassembled},
              {"raw_frag_expired", &s->raw_stats.frag_expired}};
  e->procs = {{"raw receiver", 0, [s](int, const std::atomic<bool>& stop) {
                 if (s->raw) s->raw->Run(stop, [&s](RawUdp& u, int64_t now) { s->OnRaw(u, now); });
               }}};
  e->init = [s, e](Registrar& reg) { return Init(s, e, reg); };
  e->destroy = [s] {
    if (s->raw) s->raw->Close();
    s->store.Stop();
  };
  return e;
}

}  // namespace
}  // namespace sipcapd::sipcapture

SIPCAPD_MODULE("sipcapture", &sipcapd::sipcapture::Create);
