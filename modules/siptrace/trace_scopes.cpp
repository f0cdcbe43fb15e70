#include "modules/siptrace/trace_scopes.h"

#include <chrono>

#include "core/sip/msg_helpers.h"
#include "modules/proto_tcp/tcp_trace.h"

namespace sipcapd::siptrace {
namespace {

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SockAddr Fix(const SockAddr& a, const SockAddr& peer, const std::optional<LocalIp>& local) {
  if (a.ip.is_set() && !a.ip.IsAny()) return a;
  if (local) return local->addr;
  SockAddr r = a;
  r.ip = LocalAddressToward(peer.ip);
  return r;
}

}  // namespace

TraceRecord RecordFromTm(const tm::TmCbParams& p, const char* dir, const SockAddr& from,
                         const SockAddr& to, int64_t now_us) {
  TraceRecord r;
  r.msg = std::string(p.msg);
  // tm gives the transaction's Call-ID / From tag (the same in all its
  // messages) and the method (a reply's: the CSeq method): no parsing.
  r.callid = std::string(p.callid);
  r.fromtag = std::string(p.from_tag);
  r.method = std::string(p.method);
  if (!p.is_request) r.status = std::to_string(p.code);
  r.from_proto = r.to_proto = p.proto;
  r.from = from;
  r.to = to;
  r.time_us = now_us;
  r.direction = dir;
  return r;
}

std::string CallIdOf(MsgContext& ctx) {
  const sip::Message* m = sip::Parsed(ctx);
  return m ? std::string(sip::CallId(*m)) : std::string();
}

bool TraceTransaction(Tracer& tracer, tm::TmApi& tm, MsgContext& ctx, const ScopeTrace& s) {
  Tracer* t = &tracer;
  if (s.types & kTypeXlog) {
    // xlog lines of every message of this call until the transaction ends.
    std::string callid = CallIdOf(ctx);
    if (!callid.empty()) {
      tracer.contexts().AddCall(callid, {s.id, s.types}, kTransactionContextTtl);
      std::string id = s.id;
      if (!tm.RegisterCallback(ctx, tm::kTmcbTransEnd, [t, callid, id](const tm::TmCbParams&) {
            t->contexts().ReleaseCall(callid, id);
          }))
        tracer.contexts().ReleaseCall(callid, s.id);
    }
  }
  if (!(s.types & kTypeSip)) return true;
  ScopeTrace st = s;
  if (st.net_correlation.empty()) st.net_correlation = proto_tcp::TcpConnCorrelation(ctx);
  uint32_t mask = tm::kTmcbRequestIn | tm::kTmcbRequestOut | tm::kTmcbReplyIn | tm::kTmcbReplyOut;
  return tm.RegisterCallback(ctx, mask, [t, st](const tm::TmCbParams& p) {
    bool in = p.type == tm::kTmcbRequestIn || p.type == tm::kTmcbReplyIn;
    // Addresses resolved once (Fix may ask the kernel), for the view path
    // and, when the id needs it, the record path.
    const auto& local = t->options().local_ip;
    Tracer::MsgView v;
    v.msg = p.msg;
    v.callid = p.callid;
    v.proto = p.proto;
    v.from = in ? p.src : Fix(p.src, p.dst, local);
    v.to = in ? Fix(p.dst, p.src, local) : p.dst;
    v.time_us = NowUs();
    v.is_request = p.is_request;
    // With a net correlation TraceRecordTo adds it.
    if (st.net_correlation.empty() && t->TraceHepView(v, st.id)) return;
    TraceRecord r = RecordFromTm(p, in ? "in" : "out", v.from, v.to, v.time_us);
    r.trace_attrs = st.attrs;
    r.net_correlation = st.net_correlation;
    t->TraceRecordTo(std::move(r), st.id, p.is_request);
  });
}

bool TraceDialog(Tracer& tracer, tm::TmApi& tm, dialog::DialogApi& dlg, MsgContext& ctx,
                 const ScopeTrace& s) {
  // The INVITE's connection is the dialog's "net" correlation, for its
  // own transaction and every later one.
  ScopeTrace st = s;
  if (st.net_correlation.empty()) st.net_correlation = proto_tcp::TcpConnCorrelation(ctx);
  TraceTransaction(tracer, tm, ctx, st);
  bool retransmission = false;
  uint64_t id = dlg.CreateDialog(ctx, &retransmission);
  // A retransmitted initial INVITE: its dialog is traced already.
  if (retransmission) return true;
  if (!id) id = dlg.DialogOf(ctx);
  if (!id) return false;
  Tracer* t = &tracer;
  tm::TmApi* tmp = &tm;
  std::string callid = (s.types & kTypeXlog) ? CallIdOf(ctx) : std::string();
  if (!callid.empty()) tracer.contexts().AddCall(callid, {s.id, s.types}, kDialogContextTtl);
  bool ok = dlg.RegisterCallback(id, dialog::kDlgcbReqWithin | dialog::kDlgcbTerminated,
                                 [t, tmp, st, callid](const dialog::DlgCbParams& p) {
                                   if (p.type == dialog::kDlgcbTerminated && !callid.empty())
                                     t->contexts().ReleaseCall(callid, st.id);
                                   if (!p.req) return;
                                   if (st.types & kTypeXlog)
                                     TraceContexts::MarkMessage(*p.req, st.id, st.types);
                                   if (!(st.types & kTypeSip)) return;
                                   t->TraceMessage(*p.req, st.id, st.types, st.attrs);
                                   TraceTransaction(*t, *tmp, *p.req, st);
                                 });
  if (!ok && !callid.empty()) tracer.contexts().ReleaseCall(callid, s.id);
  return ok;
}

}  // namespace sipcapd::siptrace
