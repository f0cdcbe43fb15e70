// Lazy typed-header accessors and Validate() of sip::Message.
#include <string>

#include "core/sip/message.h"
#include "core/sip/scan.h"

namespace sipcapd::sip {

const std::vector<ViaBody>* Message::Vias() const {
  if (vias_.state == 0) {
    vias_.state = 2;
    for (const auto& h : headers_) {
      if (h.type != HeaderType::kVia) continue;
      ListIter it(h.value);
      std::string_view e;
      bool bad = false;
      while (it.Next(&e)) {
        ViaBody v;
        if (const char* why = ParseVia(e, &v)) {
          NoteHeaderError(HeaderType::kVia, why);
          bad = true;
          break;
        }
        vias_.v.push_back(v);
      }
      if (bad) break;  // keep the good prefix: the first Via is what matters
    }
    if (!vias_.v.empty()) vias_.state = 1;
  }
  return vias_.state == 1 ? &vias_.v : nullptr;
}

const ViaBody* Message::FirstVia() const {
  const auto* v = Vias();
  return v ? &v->front() : nullptr;
}

const NameAddr* Message::LazyNameAddr(Slot<NameAddr>& slot, HeaderType t) const {
  if (slot.state == 0) {
    slot.state = 2;
    if (const Header* h = Find(t)) {
      std::string_view text = h->value;
      // From/To are single addresses; the identity headers are lists of
      // which the first element is used.
      if (t != HeaderType::kFrom && t != HeaderType::kTo) {
        ListIter it(text);
        it.Next(&text);
      }
      if (const char* why = ParseNameAddr(text, &slot.v))
        NoteHeaderError(t, why);
      else if (slot.v.star)
        NoteHeaderError(t, "'*' is not an address");
      else
        slot.state = 1;
    }
  }
  return slot.state == 1 ? &slot.v : nullptr;
}

const NameAddr* Message::From() const { return LazyNameAddr(from_, HeaderType::kFrom); }
const NameAddr* Message::To() const { return LazyNameAddr(to_, HeaderType::kTo); }
const NameAddr* Message::PAssertedIdentity() const {
  return LazyNameAddr(pai_, HeaderType::kPAssertedIdentity);
}
const NameAddr* Message::PPreferredIdentity() const {
  return LazyNameAddr(ppi_, HeaderType::kPPreferredIdentity);
}
const NameAddr* Message::RemotePartyId() const {
  return LazyNameAddr(rpid_, HeaderType::kRemotePartyId);
}
const NameAddr* Message::Diversion() const {
  return LazyNameAddr(diversion_, HeaderType::kDiversion);
}

const std::vector<NameAddr>* Message::LazyList(Slot<std::vector<NameAddr>>& s, HeaderType t) const {
  if (s.state == 0) {
    s.state = 2;
    bool bad = false;
    for (const auto& h : headers_) {
      if (h.type != t) continue;
      ListIter it(h.value);
      std::string_view e;
      while (!bad && it.Next(&e)) {
        NameAddr na;
        if (const char* why = ParseNameAddr(e, &na)) {
          NoteHeaderError(t, why);
          bad = true;
        } else {
          s.v.push_back(na);
        }
      }
      if (bad) break;
    }
    if (!bad && !s.v.empty()) s.state = 1;
  }
  return s.state == 1 ? &s.v : nullptr;
}

const std::vector<NameAddr>* Message::Contacts() const {
  return LazyList(contacts_, HeaderType::kContact);
}
const std::vector<NameAddr>* Message::Routes() const {
  return LazyList(routes_, HeaderType::kRoute);
}
const std::vector<NameAddr>* Message::RecordRoutes() const {
  return LazyList(rroutes_, HeaderType::kRecordRoute);
}

// Parses the first header of type t with `fn` into slot.
template <class T, class Fn>
static const T* LazyOne(const Message& m, T& v, uint8_t& state, HeaderType t, Fn fn,
                        const char** err) {
  if (state == 0) {
    state = 2;
    if (const Header* h = m.Find(t)) {
      if (const char* why = fn(h->value, &v))
        *err = why;
      else
        state = 1;
    }
  }
  return state == 1 ? &v : nullptr;
}

#define SIP_LAZY_ONE(Method, Type, slot, htype, fn)                                  \
  const Type* Message::Method() const {                                              \
    const char* err = nullptr;                                                       \
    const Type* r = LazyOne(*this, slot.v, slot.state, HeaderType::htype, fn, &err); \
    if (err) NoteHeaderError(HeaderType::htype, err);                                \
    return r;                                                                        \
  }

SIP_LAZY_ONE(CSeq, CSeqBody, cseq_, kCSeq, ParseCSeq)
SIP_LAZY_ONE(ContentType, ContentTypeBody, ctype_, kContentType, ParseContentType)
SIP_LAZY_ONE(Reason, ReasonBody, reason_hdr_, kReason, ParseReason)
SIP_LAZY_ONE(Event, EventBody, event_, kEvent, ParseEvent)
SIP_LAZY_ONE(Authorization, AuthBody, auth_, kAuthorization, ParseAuth)
SIP_LAZY_ONE(ProxyAuthorization, AuthBody, proxy_auth_, kProxyAuthorization, ParseAuth)
#undef SIP_LAZY_ONE

std::optional<uint32_t> Message::MaxForwards() const {
  const Header* h = Find(HeaderType::kMaxForwards);
  if (!h) return std::nullopt;
  auto v = ParseUint(h->value, 255);
  if (!v) {
    NoteHeaderError(HeaderType::kMaxForwards, "Max-Forwards is not a number in 0..255");
    return std::nullopt;
  }
  return static_cast<uint32_t>(*v);
}

std::optional<uint32_t> Message::Expires() const {
  const Header* h = Find(HeaderType::kExpires);
  if (!h) return std::nullopt;
  auto v = ParseUint(h->value, UINT32_MAX);
  if (!v) {
    NoteHeaderError(HeaderType::kExpires, "Expires is not a number");
    return std::nullopt;
  }
  return static_cast<uint32_t>(*v);
}

std::string_view Message::CallId() const {
  const Header* h = Find(HeaderType::kCallId);
  return h ? h->value : std::string_view();
}
std::string_view Message::UserAgent() const {
  const Header* h = Find(HeaderType::kUserAgent);
  return h ? h->value : std::string_view();
}
std::string_view Message::Server() const {
  const Header* h = Find(HeaderType::kServer);
  return h ? h->value : std::string_view();
}

bool Message::Allows(std::string_view method) const {
  for (const auto& h : headers_) {
    if (h.type != HeaderType::kAllow) continue;
    ListIter it(h.value);
    std::string_view e;
    while (it.Next(&e))
      if (EqualsNoCase(e, method)) return true;
  }
  return false;
}

ParseError Message::Validate(std::string* why) const {
  auto fail = [why](ParseError e, std::string text) {
    if (why) *why = std::move(text);
    return e;
  };
  if (!ok() && error_ != ParseError::kBadHeaderValue) return fail(error_, std::string(error_text_));
  static constexpr HeaderType kMandatory[] = {HeaderType::kTo, HeaderType::kFrom, HeaderType::kCSeq,
                                              HeaderType::kCallId, HeaderType::kVia};
  for (HeaderType t : kMandatory)
    if (!Find(t)) return fail(ParseError::kMissingHeader, "missing " + std::string(HeaderName(t)));
  if (is_request() && !Find(HeaderType::kMaxForwards))
    return fail(ParseError::kMissingHeader, "missing Max-Forwards");
  auto bad = [&](HeaderType t) {
    const char* e = HeaderError(t);
    return fail(ParseError::kBadHeaderValue,
                std::string(HeaderName(t)) + ": " + (e ? e : "malformed"));
  };
  if (!From()) return bad(HeaderType::kFrom);
  if (!To()) return bad(HeaderType::kTo);
  if (!CSeq()) return bad(HeaderType::kCSeq);
  if (!Vias() || HeaderError(HeaderType::kVia)) return bad(HeaderType::kVia);
  if (CallId().empty()) return bad(HeaderType::kCallId);
  if (Find(HeaderType::kMaxForwards) && !MaxForwards()) return bad(HeaderType::kMaxForwards);
  if (Find(HeaderType::kContact) && !Contacts()) return bad(HeaderType::kContact);
  if (Find(HeaderType::kContentType) && !ContentType()) return bad(HeaderType::kContentType);
  if (Find(HeaderType::kExpires) && !Expires()) return bad(HeaderType::kExpires);
  if (is_request() && CSeq()->method != method_)
    return fail(ParseError::kCSeqMismatch, "CSeq method differs from the request method");
  return ParseError::kNone;
}

}  // namespace sipcapd::sip
