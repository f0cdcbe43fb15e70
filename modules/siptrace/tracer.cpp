#include "modules/siptrace/tracer.h"

#include <cctype>
#include <chrono>

#include "core/base/log.h"
#include "core/db/url.h"
#include "core/sip/msg_helpers.h"
#include "modules/proto_tcp/tcp_trace.h"
#include "modules/siptrace/hep_event.h"

namespace sipcapd::siptrace {
namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// OpenSIPS DP_*_TEXT level names without the colon (xlog "Event" part).
const char* XlogLevelText(int level) {
  switch (level) {
    case kLogAlert: return "ALERT";
    case kLogCrit: return "CRITICAL";
    case kLogErr: return "ERROR";
    case kLogWarn: return "WARNING";
    case kLogNotice: return "NOTICE";
    case kLogInfo: return "INFO";
    default: return "DBG";
  }
}

}  // namespace

void HepOut::Encapsulate(hep::Packet* p, const hep::KeyValues& parts, const hep::KeyValues& extra) {
  Homer5Encapsulate(p, parts, extra);
}

void Homer5Encapsulate(hep::Packet* p, const hep::KeyValues& parts, const hep::KeyValues& extra) {
  if (!parts.empty()) {
    std::string joined;
    for (size_t i = 0; i < parts.size(); ++i) joined += (i ? ":" : "") + parts[i].second;
    p->payload = std::move(joined);
    p->Mark(hep::kChunkPayload);
  }
  for (const auto& [k, v] : extra)
    if (k.rfind("sip", 0) == 0) {
      p->correlation_id = v;
      p->Mark(hep::kChunkCorrelationId);
    }
}

uint32_t ParseTypes(std::string_view text, std::string* unknown) {
  static const struct {
    const char* name;
    uint32_t bit;
  } kTypes[] = {{"sip", kTypeSip}, {"xlog", kTypeXlog}, {"rest", kTypeRest}};
  uint32_t mask = 0;
  while (!text.empty()) {
    size_t bar = text.find('|');
    std::string tok = Lower(text.substr(0, bar));
    while (!tok.empty() && std::isspace(static_cast<unsigned char>(tok.back()))) tok.pop_back();
    size_t b = 0;
    while (b < tok.size() && std::isspace(static_cast<unsigned char>(tok[b]))) ++b;
    tok = tok.substr(b);
    bool found = false;
    for (const auto& t : kTypes) {
      if (tok.compare(0, std::char_traits<char>::length(t.name), t.name) == 0) {
        mask |= t.bit;
        found = true;
      }
    }
    if (!found && !tok.empty() && unknown) *unknown += (unknown->empty() ? "" : ",") + tok;
    if (bar == std::string_view::npos) break;
    text = text.substr(bar + 1);
  }
  return mask;
}

Result<Scope> ParseScope(std::string_view text) {
  int rank = 0;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    switch (std::tolower(static_cast<unsigned char>(c))) {
      case 'm': rank = std::max(rank, 1); break;
      case 't': rank = std::max(rank, 2); break;
      case 'd': rank = std::max(rank, 3); break;
      default: return Status::Invalid(std::string("unknown sip_trace scope flag '") + c + "'");
    }
  }
  if (rank == 0) return Status::Invalid("empty sip_trace scope");
  return rank == 1 ? Scope::kMessage : rank == 2 ? Scope::kTransaction : Scope::kDialog;
}

std::vector<std::string> DefaultColumns() {
  return {"msg",      "callid", "method",  "status",     "from_proto", "from_ip", "from_port",
          "to_proto", "to_ip",  "to_port", "time_stamp", "direction",  "fromtag", "trace_attrs"};
}

Tracer::~Tracer() { Stop(); }

void Tracer::AddDest(TraceDest d) {
  for (const auto& e : dests_)
    if (e->spec.SameAs(d)) return;
  auto nd = std::make_unique<Dest>();
  nd->spec = std::move(d);
  nd->on.store(opts_.trace_on);
  // Keep destinations of one id adjacent (MI listing order).
  auto pos = dests_.end();
  for (auto it = dests_.begin(); it != dests_.end(); ++it)
    if ((*it)->spec.id == nd->spec.id) pos = it + 1;
  dests_.insert(pos, std::move(nd));
}

bool Tracer::HasId(const std::string& id) const {
  for (const auto& d : dests_)
    if (d->spec.id == id) return true;
  return false;
}

bool Tracer::HasType(DestType t) const {
  for (const auto& d : dests_)
    if (d->spec.type == t) return true;
  return false;
}

Status Tracer::Start(HepOut* hep, const std::function<db::Driver*(const std::string&)>& find_driver,
                     StatsRegistry* stats) {
  hep_ = hep;
  registry_ = stats;
  global_on_.store(opts_.trace_on);
  if (opts_.columns.size() != static_cast<size_t>(kTraceColumns))
    return Status::Invalid("internal: wrong number of sip_trace columns");
  std::map<std::string, std::map<std::string, int>> tables;  // url -> table -> id
  int writer_no = 0;
  for (auto& d : dests_) {
    const TraceDest& s = d->spec;
    switch (s.type) {
      case DestType::kHep:
        if (!s.hep_id.empty()) {
          if (!hep)
            return Status::Invalid("trace_id [" + s.id + "]: hep:" + s.hep_id +
                                   " needs module proto_hep (HepApi/1 service not found)");
          if (!hep->HasHepId(s.hep_id))
            return Status::NotFound("trace_id [" + s.id + "]: unknown hep_id '" + s.hep_id + "'");
        } else if (hep) {
          SIPCAPD_RETURN_IF_ERROR(hep->AddInline(s));
        } else {
          if (s.transport != "udp")
            return Status::Unsupported("trace_id [" + s.id +
                                       "]: inline hep uri with transport=tcp needs a proto_hep "
                                       "hep_id (use [id]hep:<hep_id name>)");
          d->udp = std::make_unique<UdpSender>(s.host, s.port);
        }
        break;
      case DestType::kSip: d->udp = std::make_unique<UdpSender>(s.host, s.port); break;
      case DestType::kDb: {
        auto url = db::ParseUrl(s.db_url);
        if (!url.ok()) return Status::Invalid("trace_id [" + s.id + "]: " + url.status().message());
        if (!db::IsSafeIdentifier(s.table))
          return Status::Invalid("trace_id [" + s.id + "]: bad table name '" + s.table + "'");
        auto wit = writers_.find(s.db_url);
        if (wit == writers_.end()) {
          db::Driver* drv = find_driver ? find_driver(url->scheme) : nullptr;
          if (!drv)
            return Status::NotFound("trace_id [" + s.id + "]: no DB driver for '" + url->scheme +
                                    "' (load db_" + url->scheme + ")");
          db::BatchWriterOptions o;
          o.stats_group = "siptrace_db" + (writer_no++ ? std::to_string(writer_no) : "");
          o.batch_rows = 200;
          o.flush_interval_ms = 200;
          o.max_queue_bytes = 16u << 20;
          o.spool_dir = opts_.spool_dir;
          wit = writers_.emplace(s.db_url, std::make_shared<db::BatchWriter>(drv, *url, o, stats))
                    .first;
        }
        d->writer = wit->second;
        auto& tmap = tables[s.db_url];
        auto tit = tmap.find(s.table);
        if (tit == tmap.end()) {
          db::TableSpec spec;
          spec.name_pattern = s.table;
          spec.columns = opts_.columns;
          auto tid = d->writer->AddTable(spec);
          if (!tid.ok())
            return Status::Invalid("trace_id [" + s.id + "]: " + tid.status().message());
          tit = tmap.emplace(s.table, *tid).first;
        }
        d->table_id = tit->second;
        break;
      }
    }
  }
  if (hep)
    for (auto& d : dests_)
      if (d->spec.type == DestType::kHep) d->hep_dest = hep->Resolve(d->spec);
  for (auto& d : dests_) {
    bool views = true;
    for (const auto& e : dests_)
      if (e->spec.id == d->spec.id) views &= e->hep_dest != nullptr;
    d->id_views = views;
  }
  for (auto& [url, w] : writers_) SIPCAPD_RETURN_IF_ERROR(w->Start());
  for (auto& d : dests_)
    if (d->udp) SIPCAPD_RETURN_IF_ERROR(d->udp->Start());
  return Status::Ok();
}

void Tracer::Stop() {
  for (auto& d : dests_)
    if (d->udp) d->udp->Stop();
  for (auto& [url, w] : writers_) w->Stop();
}

bool Tracer::SendOne(Dest& d, const TraceRecord& r, const std::optional<hep::Packet>& pkt) {
  const TraceDest& s = d.spec;
  switch (s.type) {
    case DestType::kHep: {
      if (!pkt) {
        stats_.hep_encode_errors.Inc();
        return false;
      }
      if (!s.hep_id.empty()) return hep_ && hep_->SendTo(s.hep_id, *pkt);
      if (hep_) return hep_->SendInline(s, *pkt);
      if (!d.udp) return false;
      std::string wire;
      if (!hep::Encode(*pkt, s.hep_version, &wire).ok()) {
        stats_.hep_encode_errors.Inc();
        return false;
      }
      return d.udp->Send(std::move(wire));
    }
    case DestType::kSip: return d.udp && d.udp->Send(r.msg);
    case DestType::kDb: return d.writer && d.writer->Enqueue(d.table_id, ToDbRow(r)).ok();
  }
  return false;
}

int Tracer::TraceRecordTo(TraceRecord r, const std::string& id, bool is_request) {
  if (!global_on_.load()) {
    stats_.not_traced_off.Inc();
    return 1;  // OpenSIPS: tracing off is not an error for the script
  }
  bool known = false, queued = false, any_on = false;
  std::optional<hep::Packet> pkt;
  bool pkt_built = false;
  // SIP and DB destinations send the record itself, HEP ones only the
  // packet: an id with any SIP or DB destination (on or off: MI may switch
  // it on meanwhile) keeps the record and copies into the packet.
  bool record_needed = false;
  for (const auto& d : dests_) record_needed |= d->spec.id == id && d->spec.type != DestType::kHep;
  for (auto& d : dests_) {
    if (d->spec.id != id) continue;
    known = true;
    if (!d->on.load()) continue;
    any_on = true;
    if (d->spec.type == DestType::kHep && !pkt_built) {
      const uint32_t cid = hep_ ? hep_->capture_id() : opts_.capture_id;
      pkt = record_needed ? ToHepPacket(r, cid) : ToHepPacket(std::move(r), cid);
      pkt_built = true;
      // OpenSIPS add_payload_part("payload", msg) (+ "net" correlation):
      // unchanged in HOMER5 mode, {"payload": ...} JSON in HOMER6 mode.
      // ToHepPacket has put the message in the payload already: the
      // HOMER5 form of that one part, so only HOMER6 re-encapsulates it.
      if (pkt && hep_) {
        hep::KeyValues extra;
        if (!r.net_correlation.empty()) extra.emplace_back("net", r.net_correlation);
        if (!hep_->homer5())
          hep_->Encapsulate(&*pkt, {{"payload", pkt->payload}}, extra);
        else if (!extra.empty())
          hep_->Encapsulate(&*pkt, {}, extra);
      }
    }
    if (SendOne(*d, r, pkt))
      queued = true;
    else
      stats_.dropped.Inc();
  }
  if (!known) return -1;
  if (!any_on) return 1;  // every destination of the id switched off by MI
  if (queued) (is_request ? stats_.traced_requests : stats_.traced_replies).Inc();
  return queued ? 1 : -1;
}

std::optional<int> Tracer::TraceHepView(const MsgView& v, const std::string& id) {
  // Destinations of one id are adjacent (AddDest).
  auto d = dests_.begin();
  while (d != dests_.end() && (*d)->spec.id != id) ++d;
  if (d == dests_.end() || !(*d)->id_views || !hep_ || !hep_->homer5()) return std::nullopt;
  if (!global_on_.load()) {
    stats_.not_traced_off.Inc();
    return 1;
  }
  hep::PacketView p;
  bool built = false, valid = false, any_on = false, queued = false;
  for (; d != dests_.end() && (*d)->spec.id == id; ++d) {
    if (!(*d)->on.load()) continue;
    any_on = true;
    if (!built) {
      valid = FillHepHeader(v.proto, v.from, v.to, v.time_us, hep_->capture_id(), &p);
      p.payload = v.msg;
      p.correlation_id = v.callid;
      built = true;
    }
    if (!valid) stats_.hep_encode_errors.Inc();
    if (valid && hep_->SendView(*(*d)->hep_dest, p))
      queued = true;
    else
      stats_.dropped.Inc();
  }
  if (!any_on) return 1;  // every destination of the id switched off by MI
  if (queued) (v.is_request ? stats_.traced_requests : stats_.traced_replies).Inc();
  return queued ? 1 : -1;
}

int Tracer::TraceEvent(const std::string& id, hep::Packet p, const hep::KeyValues& parts,
                       const hep::KeyValues& extra) {
  if (!global_on_.load()) {
    stats_.not_traced_off.Inc();
    return 0;
  }
  bool built = false, queued = false, known = false;
  for (auto& d : dests_) {
    if (d->spec.id != id) continue;
    known = true;
    if (d->spec.type != DestType::kHep || !d->on.load()) continue;
    if (!built) {
      if (hep_)
        hep_->Encapsulate(&p, parts, extra);
      else
        Homer5Encapsulate(&p, parts, extra);  // without proto_hep
      built = true;
    }
    TraceRecord none;
    if (SendOne(*d, none, p))
      queued = true;
    else
      stats_.dropped.Inc();
  }
  if (!known) return -1;
  if (!built) return 0;  // no HEP destination of the id is on
  return queued ? 1 : -1;
}

void Tracer::TraceXlog(MsgContext& ctx, int level, std::string_view line) {
  std::vector<ContextTrace> traces = contexts_.Lookup(ctx);
  if (traces.empty()) return;
  std::string callid = "<null>";
  if (const sip::Message* m = sip::Parsed(ctx)) {
    std::string_view c = sip::CallId(*m);
    if (!c.empty()) callid = std::string(c);
  }
  SockAddr local = ctx.rcv.dst;
  if (!local.ip.is_set() || local.ip.IsAny()) {
    if (opts_.local_ip)
      local = opts_.local_ip->addr;
    else if (ctx.rcv.src.ip.is_set())
      local.ip = LocalAddressToward(ctx.rcv.src.ip);
  }
  if (local.ip.is_set() && local.ip.IsAny()) local = SockAddr{};  // -> 127.0.0.1:0
  hep::KeyValues parts{{"Event", XlogLevelText(level)}, {"text", std::string(line)}};
  hep::KeyValues extra{{"sip", callid}};
  for (const auto& t : traces) {
    if (!(t.types & kTypeXlog)) continue;
    hep::Packet p =
        hep_event::MakeEventPacket(local, local, hep_event::kIpProtoTcp, hep_event::kProtoTypeXlog,
                                   hep_ ? hep_->capture_id() : opts_.capture_id);
    hep_event::SetCorrelation(&p, callid);
    if (TraceEvent(t.id, std::move(p), parts, extra) > 0) stats_.traced_xlog.Inc();
  }
}

int Tracer::TraceMessage(MsgContext& ctx, const std::string& id, uint32_t types,
                         const std::string& attrs) {
  if (!HasId(id)) return -1;
  if (!(types & kTypeSip)) return 1;  // SIP not traced to any destination
  // Addresses and correlation resolved once, for the view path and, when
  // the id needs it, the record path.
  MsgView v;
  IncomingAddresses(ctx, opts_.local_ip, &v.proto, &v.from, &v.to);
  v.time_us = NowUs();
  const sip::Message* m = sip::Parsed(ctx);
  v.is_request = !m || m->is_request();
  std::string net = proto_tcp::TcpConnCorrelation(ctx);
  if (hep_ && net.empty()) {
    v.msg = ctx.buf;
    if (m) v.callid = sip::CallId(*m);
    if (auto done = TraceHepView(v, id)) return *done;
  }
  TraceRecord r = RecordIncoming(ctx, v.proto, v.from, v.to, v.time_us);
  r.net_correlation = std::move(net);
  r.trace_attrs = attrs;
  return TraceRecordTo(std::move(r), id, v.is_request);
}

bool Tracer::SetIdState(const std::string& id, bool on) {
  bool found = false;
  for (auto& d : dests_)
    if (d->spec.id == id) {
      d->on.store(on);
      found = true;
    }
  return found;
}

std::vector<Tracer::DestView> Tracer::Describe(const std::string& only_id) const {
  std::vector<DestView> out;
  for (const auto& d : dests_) {
    if (!only_id.empty() && d->spec.id != only_id) continue;
    std::string uri = d->spec.MiUri();
    if (d->spec.type == DestType::kHep && !d->spec.hep_id.empty() && hep_) {
      std::string u = hep_->HepIdUri(d->spec.hep_id);
      if (!u.empty()) uri = u;
    }
    if (d->spec.type == DestType::kDb) {
      auto u = db::ParseUrl(d->spec.db_url);
      if (u.ok()) uri = u->Redacted();
    }
    out.push_back({d->spec.id, DestTypeName(d->spec.type), uri, d->on.load() ? "on" : "off"});
  }
  return out;
}

bool Tracer::WaitIdle(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = true;
  for (auto& d : dests_)
    if (d->udp)
      ok &= d->udp->WaitIdle(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
  for (auto& [u, w] : writers_)
    ok &= w->WaitIdle(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
  return ok;
}

}  // namespace sipcapd::siptrace
