#include "core/proxy/forward.h"

#include "core/base/log.h"
#include "core/proxy/msg_edit.h"
#include "core/proxy/via.h"
#include "core/sip/msg_helpers.h"

namespace sipcapd::proxy {
namespace {

bool Routable(const sip::Message* m) {
  if (!m || !m->first_line_ok()) return false;
  switch (m->error()) {
    case sip::ParseError::kHeadersUnterminated:
    case sip::ParseError::kBodyTruncated:
    case sip::ParseError::kBadContentLength: return false;
    default: break;
  }
  return m->FirstVia() != nullptr;
}

}  // namespace

ProcessResult ProcessSip(ProxyCore& core, ScriptRunner& script, MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (!Routable(m)) {
    core.stats().bad_msgs.Inc();
    LOG_DBG("proxy", "dropping unroutable message from %s (%s)", ctx.rcv.src.ToString().c_str(),
            m ? std::string(m->error_text()).c_str() : "no first line");
    return ProcessResult::kBad;
  }
  if (m->is_request()) {
    auto out = script.RunRoute(kRequestRoute, "", ctx);
    if (out.dropped) core.stats().drop_requests.Inc();
    return ProcessResult::kRequest;
  }
  if (script.HasRoute(kOnReplyRoute, "")) {
    auto out = script.RunRoute(kOnReplyRoute, "", ctx);
    if (out.dropped) {
      core.stats().drop_replies.Inc();
      return ProcessResult::kReplyDropped;
    }
  }
  if (core.InterceptReply(ctx)) return ProcessResult::kReplyTaken;
  Status st = ForwardReply(core, ctx);
  if (!st.ok()) {
    LOG_DBG("proxy", "reply not forwarded: %s", st.message().c_str());
    return ProcessResult::kReplyDropped;
  }
  return ProcessResult::kReplyForwarded;
}

Result<Destination> NextHop(const MsgContext& ctx, const sip::Message& msg) {
  std::string_view target = !ctx.dst_uri.empty()    ? std::string_view(ctx.dst_uri)
                            : !ctx.new_ruri.empty() ? std::string_view(ctx.new_ruri)
                                                    : msg.ruri();
  return ParseDestination(target);
}

Status Forward(ProxyCore& core, MsgContext& ctx, const Destination* dest) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m) return Status::Invalid("unparsable message");
  if (m->is_reply()) return ForwardReply(core, ctx);
  Destination d;
  if (dest) {
    d = *dest;
  } else {
    auto pd = NextHop(ctx, *m);
    if (!pd.ok()) {
      core.stats().err_requests.Inc();
      return pd.status();
    }
    d = *pd;
  }
  if (d.proto == Proto::kNone) d.proto = Proto::kUdp;
  auto dst = Resolve(d);
  if (!dst.ok()) {
    core.stats().err_requests.Inc();
    return dst.status();
  }
  Sender* s = core.Pick(d.proto, dst->ip.family, ctx.rcv.listener);
  if (!s) {
    core.stats().err_requests.Inc();
    return Status::NotFound(std::string("no ") + ProtoName(d.proto) + " socket to reach " +
                            dst->ToString());
  }
  std::string text = ctx.buf;
  if (!ctx.new_ruri.empty() && ctx.new_ruri != m->ruri()) {
    Status st = ReplaceRuri(text, ctx.new_ruri);
    if (!st.ok()) return st;
  }
  if (ctx.rcv.proto != Proto::kNone) {
    bool stream = ctx.rcv.proto != Proto::kUdp && ctx.rcv.proto != Proto::kSctp;
    auto stamped = StampTopVia(text, ctx.rcv.src, stream);
    if (!stamped.ok()) {
      core.stats().err_requests.Inc();
      return stamped.status();
    }
    text = std::move(stamped).value();
  }
  text = InsertVia(text, BuildViaLine(ViaTransport(d.proto), s->local(), StatelessBranch(*m)));
  Status st = s->Send(*dst, text);
  if (!st.ok()) {
    core.stats().err_requests.Inc();
    return st;
  }
  core.stats().fwd_requests.Inc();
  return Status::Ok();
}

Status ForwardReply(ProxyCore& core, MsgContext& ctx) {
  sip::Message* m = sip::Parsed(ctx);
  if (!m || !m->is_reply()) return Status::Invalid("not a reply");
  const auto* vias = m->Vias();
  if (!vias || vias->size() < 2) {
    core.stats().drop_replies.Inc();
    return Status::Invalid("reply without a second Via");
  }
  const sip::ViaBody& top = (*vias)[0];
  if (!core.IsLocal(top.host, top.port)) {
    core.stats().drop_replies.Inc();
    return Status::Invalid("top Via " + std::string(top.host) + " is not ours");
  }
  auto target = TargetOfVia((*vias)[1]);
  if (!target.ok()) {
    core.stats().err_replies.Inc();
    return target.status();
  }
  Destination d;
  d.proto = ProtoFromToken(target->transport);
  d.host = target->host;
  d.port = target->port;
  if (d.proto == Proto::kNone) {
    core.stats().err_replies.Inc();
    return Status::Invalid("unsupported Via transport " + target->transport);
  }
  auto dst = Resolve(d);
  if (!dst.ok()) {
    core.stats().err_replies.Inc();
    return dst.status();
  }
  auto text = RemoveTopVia(ctx.buf);
  if (!text.ok()) {
    core.stats().err_replies.Inc();
    return text.status();
  }
  Status st = core.Send(d.proto, *dst, *text, "");
  if (!st.ok()) {
    core.stats().err_replies.Inc();
    return st;
  }
  core.stats().fwd_replies.Inc();
  return Status::Ok();
}

Status RegisterProxyExports(Registry& registry, StatsRegistry* stats) {
  auto core = std::make_shared<ProxyCore>();
  if (stats) core->RegisterStats(*stats);
  SIPCAPD_RETURN_IF_ERROR(registry.PublishService("core", kProxyCoreService, core.get()));
  FunctionExport f;
  f.name = "forward";
  ArgSpec dest;
  dest.type = ArgType::kStr;
  dest.optional = true;
  dest.fixup = [](const Value& c, std::any& out) -> Status {
    auto d = ParseDestination(c.str_value());
    if (!d.ok()) return d.status();
    out = *d;
    return Status::Ok();
  };
  f.args = {dest};
  f.route_mask = kRequestRoute | kFailureRoute | kBranchRoute | kOnReplyRoute;
  f.fn = [core](MsgContext& ctx, const CallArgs& a) -> int {
    Status st;
    if (a.Has(0)) {
      if (const Destination* fixed = a.FixedAs<Destination>(0)) {
        st = Forward(*core, ctx, fixed);
      } else {
        auto d = ParseDestination(a.Str(0));
        st = d.ok() ? Forward(*core, ctx, &*d) : d.status();
      }
    } else {
      st = Forward(*core, ctx, nullptr);
    }
    if (!st.ok()) {
      LOG_ERR("core", "forward(): %s", st.message().c_str());
      return -1;
    }
    return 1;
  };
  return registry.AddFunction("core", f);
}

}  // namespace sipcapd::proxy
