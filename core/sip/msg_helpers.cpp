#include "core/sip/msg_helpers.h"

namespace sipcapd::sip {

Message* Parsed(MsgContext& ctx) {
  if (!ctx.sip || ctx.sip->raw().size() != ctx.buf.size()) ctx.sip = Message::Parse(ctx.buf);
  return ctx.sip->first_line_ok() ? ctx.sip.get() : nullptr;
}

std::string_view Method(const Message& m) {
  if (m.is_request()) return m.method();
  const CSeqBody* c = m.CSeq();
  return c ? c->method : std::string_view();
}

std::string_view CallId(const Message& m) { return m.CallId(); }

static std::string_view Text(const NameAddr* a, std::string_view NameAddr::*f) {
  return a ? a->*f : std::string_view();
}
static std::string_view UriUser(const NameAddr* a) { return a ? a->uri.user : std::string_view(); }
static std::string_view UriHost(const NameAddr* a) { return a ? a->uri.host : std::string_view(); }

std::string_view FromUri(const Message& m) { return Text(m.From(), &NameAddr::uri_text); }
std::string_view FromUser(const Message& m) { return UriUser(m.From()); }
std::string_view FromDomain(const Message& m) { return UriHost(m.From()); }
std::string_view FromTag(const Message& m) { return Text(m.From(), &NameAddr::tag); }
std::string_view ToUri(const Message& m) { return Text(m.To(), &NameAddr::uri_text); }
std::string_view ToUser(const Message& m) { return UriUser(m.To()); }
std::string_view ToDomain(const Message& m) { return UriHost(m.To()); }
std::string_view ToTag(const Message& m) { return Text(m.To(), &NameAddr::tag); }

std::string_view CSeqText(const Message& m) {
  const Header* h = m.Find(HeaderType::kCSeq);
  return h ? h->value : std::string_view();
}

std::string_view UserAgent(const Message& m) { return m.UserAgent(); }

std::string_view RuriUser(const Message& m) {
  const Uri* u = m.is_request() ? m.RequestUri() : nullptr;
  return u ? u->user : std::string_view();
}
std::string_view RuriDomain(const Message& m) {
  const Uri* u = m.is_request() ? m.RequestUri() : nullptr;
  return u ? u->host : std::string_view();
}

static const NameAddr* FirstContact(const Message& m) {
  const auto* c = m.Contacts();
  return c && !c->front().star ? &c->front() : nullptr;
}
std::string_view ContactUser(const Message& m) { return UriUser(FirstContact(m)); }
std::string_view ContactHost(const Message& m) { return UriHost(FirstContact(m)); }
uint16_t ContactPort(const Message& m) {
  const NameAddr* c = FirstContact(m);
  return c ? c->uri.port : 0;
}

std::string_view AuthUser(const Message& m) {
  const AuthBody* a = m.ProxyAuthorization();
  if (!a || a->username.empty()) a = m.Authorization();
  return a ? a->UsernameUser() : std::string_view();
}

std::string_view Via1(const Message& m) {
  const ViaBody* v = m.FirstVia();
  return v ? v->raw : std::string_view();
}
std::string_view ViaBranch(const Message& m) {
  const ViaBody* v = m.FirstVia();
  return v ? v->branch : std::string_view();
}

std::string_view PaiUser(const Message& m) {
  const NameAddr* a = m.PAssertedIdentity();
  if (!a) a = m.PPreferredIdentity();
  return UriUser(a);
}
std::string_view RpidUser(const Message& m) { return UriUser(m.RemotePartyId()); }
std::string_view DiversionUser(const Message& m) { return UriUser(m.Diversion()); }
std::string_view DiversionUri(const Message& m) { return Text(m.Diversion(), &NameAddr::uri_text); }

std::string_view ReasonText(const Message& m) {
  const Header* h = m.Find(HeaderType::kReason);
  return h ? h->value : std::string_view();
}
std::string_view ContentTypeText(const Message& m) {
  const Header* h = m.Find(HeaderType::kContentType);
  return h ? h->value : std::string_view();
}

std::string_view HeaderValue(const Message& m, std::string_view name) {
  const Header* h = m.FindByName(name);
  return h ? h->value : std::string_view();
}

}  // namespace sipcapd::sip
