#include "core/sip/sip_pvs.h"

#include <string>
#include <vector>

#include "core/sip/msg_helpers.h"

namespace sipcapd::sip {

namespace {

using Getter = std::function<Value(MsgContext&, const PvArgs&)>;

Value StrOrNull(std::string_view s) {
  return s.empty() ? Value::Null() : Value::Str(std::string(s));
}

// Current request URI text: the rewritten one if $ru & co were set.
std::string_view CurrentRuri(MsgContext& ctx) {
  if (ctx.ruri_changed && !ctx.new_ruri.empty()) return ctx.new_ruri;
  Message* m = Parsed(ctx);
  return m && m->is_request() ? m->ruri() : std::string_view();
}

// A getter on the parsed message; null when the first line does not parse.
Getter OnMsg(std::function<Value(const Message&)> f) {
  return [f = std::move(f)](MsgContext& ctx, const PvArgs&) {
    Message* m = Parsed(ctx);
    return m ? f(*m) : Value::Null();
  };
}

Getter RuriPart(std::function<Value(const Uri&)> f) {
  return [f = std::move(f)](MsgContext& ctx, const PvArgs&) {
    Uri u;
    std::string_view r = CurrentRuri(ctx);
    if (r.empty() || ParseUriInto(r, &u)) return Value::Null();
    return f(u);
  };
}

enum class UriPart { kUser, kHost, kPort };

// Rebuilds `u` with one part replaced ("" removes user or port).
std::string Rebuild(const Uri& u, UriPart part, const std::string& v) {
  std::string out(u.scheme_text);
  out += ':';
  std::string_view user = part == UriPart::kUser ? std::string_view(v) : u.user;
  if (!user.empty()) {
    out.append(user);
    if (u.has_password) {
      out += ':';
      out.append(u.password);
    }
    out += '@';
  }
  out.append(part == UriPart::kHost ? std::string_view(v) : u.host);
  std::string_view port = part == UriPart::kPort ? std::string_view(v) : u.port_text;
  if (!port.empty()) {
    out += ':';
    out.append(port);
  }
  out.append(u.params);
  if (!u.headers.empty()) {
    out += '?';
    out.append(u.headers);
  }
  return out;
}

Status SetRuri(MsgContext& ctx, std::string text) {
  Message* m = Parsed(ctx);
  if (!m || !m->is_request()) return Status::Invalid("the R-URI exists only in requests");
  Uri u;
  if (const char* why = ParseUriInto(text, &u))
    return Status::Invalid("bad R-URI '" + text + "': " + why);
  ctx.new_ruri = std::move(text);
  ctx.ruri_changed = true;
  return Status::Ok();
}

std::function<Status(MsgContext&, const PvArgs&, const Value&, bool)> RuriPartSetter(UriPart part) {
  return [part](MsgContext& ctx, const PvArgs&, const Value& v, bool) -> Status {
    Uri u;
    std::string cur(CurrentRuri(ctx));
    if (cur.empty()) return Status::Invalid("the R-URI exists only in requests");
    if (const char* why = ParseUriInto(cur, &u))
      return Status::Invalid(std::string("bad R-URI: ") + why);
    if (u.scheme != UriScheme::kSip && u.scheme != UriScheme::kSips)
      return Status::Invalid("R-URI parts can be set only on sip/sips URIs");
    std::string val = v.is_null() ? std::string() : v.AsString();
    if (part == UriPart::kHost && val.empty()) return Status::Invalid("$rd cannot be empty");
    if (part == UriPart::kPort && val == "0") val.clear();
    return SetRuri(ctx, Rebuild(u, part, val));
  };
}

Value NameAddrUri(const NameAddr* a) { return a ? StrOrNull(a->uri_text) : Value::Null(); }

Value HeaderPv(MsgContext& ctx, const PvArgs& a) {
  Message* m = Parsed(ctx);
  if (!m) return Value::Null();
  std::string_view name = a.name;
  if (name.empty())
    if (const auto* s = std::any_cast<std::string>(&a.parsed)) name = *s;
  const Header* h = m->FindByName(name, a.has_index ? a.index : 0);
  return h ? Value::Str(std::string(h->value)) : Value::Null();
}

Value AddrPv(const SockAddr& s) {
  return s.ip.is_set() ? Value::Str(s.ip.ToString()) : Value::Null();
}

Value ProtoPv(MsgContext& ctx, const PvArgs&) {
  return ctx.rcv.proto == Proto::kNone ? Value::Null() : Value::Str(ProtoName(ctx.rcv.proto));
}

PvExport Ro(std::string name, Getter g) {
  PvExport p;
  p.name = std::move(name);
  p.get = std::move(g);
  return p;
}

}  // namespace

Status RegisterSipPvs(Registry& registry) {
  std::vector<PvExport> pvs;

  PvExport ru =
      Ro("ru", [](MsgContext& ctx, const PvArgs&) { return StrOrNull(CurrentRuri(ctx)); });
  ru.set = [](MsgContext& ctx, const PvArgs&, const Value& v, bool) -> Status {
    if (v.is_null()) return Status::Invalid("$ru cannot be set to null");
    return SetRuri(ctx, v.AsString());
  };
  pvs.push_back(ru);
  PvExport ru_user = Ro("rU", RuriPart([](const Uri& u) { return StrOrNull(u.user); }));
  ru_user.set = RuriPartSetter(UriPart::kUser);
  pvs.push_back(ru_user);
  PvExport rd = Ro("rd", RuriPart([](const Uri& u) { return StrOrNull(u.host); }));
  rd.set = RuriPartSetter(UriPart::kHost);
  pvs.push_back(rd);
  // No port in the URI: the default port of the scheme, as OpenSIPS prints it.
  PvExport rp = Ro("rp", RuriPart([](const Uri& u) {
                     if (u.port) return Value::Int(u.port);
                     return Value::Int(u.scheme == UriScheme::kSips ? 5061 : 5060);
                   }));
  rp.set = RuriPartSetter(UriPart::kPort);
  pvs.push_back(rp);
  PvExport du = Ro("du", [](MsgContext& ctx, const PvArgs&) { return StrOrNull(ctx.dst_uri); });
  du.set = [](MsgContext& ctx, const PvArgs&, const Value& v, bool) -> Status {
    std::string s = v.is_null() ? std::string() : v.AsString();
    Uri u;
    if (!s.empty())
      if (const char* why = ParseUriInto(s, &u))
        return Status::Invalid("bad $du '" + s + "': " + why);
    ctx.dst_uri = std::move(s);
    return Status::Ok();
  };
  pvs.push_back(du);

  pvs.push_back(Ro("rm", OnMsg([](const Message& m) { return StrOrNull(Method(m)); })));
  pvs.push_back(Ro("rs", OnMsg([](const Message& m) {
                     return m.is_reply() ? Value::Int(m.status_code()) : Value::Null();
                   })));
  pvs.push_back(Ro("rr", OnMsg([](const Message& m) {
                     return m.is_reply() ? Value::Str(std::string(m.reason())) : Value::Null();
                   })));
  pvs.push_back(Ro("si", [](MsgContext& ctx, const PvArgs&) { return AddrPv(ctx.rcv.src); }));
  pvs.push_back(Ro("sp", [](MsgContext& ctx, const PvArgs&) {
    return ctx.rcv.src.ip.is_set() ? Value::Int(ctx.rcv.src.port) : Value::Null();
  }));
  pvs.push_back(Ro("Ri", [](MsgContext& ctx, const PvArgs&) { return AddrPv(ctx.rcv.dst); }));
  pvs.push_back(Ro("Rp", [](MsgContext& ctx, const PvArgs&) {
    return ctx.rcv.dst.ip.is_set() ? Value::Int(ctx.rcv.dst.port) : Value::Null();
  }));
  pvs.push_back(Ro("pr", ProtoPv));
  pvs.push_back(Ro("proto", ProtoPv));
  pvs.push_back(Ro("ci", OnMsg([](const Message& m) { return StrOrNull(m.CallId()); })));
  pvs.push_back(Ro("cs", OnMsg([](const Message& m) {
                     const CSeqBody* c = m.CSeq();
                     return c ? Value::Int(c->number) : Value::Null();
                   })));
  pvs.push_back(Ro("ua", OnMsg([](const Message& m) { return StrOrNull(m.UserAgent()); })));
  pvs.push_back(Ro("fu", OnMsg([](const Message& m) { return NameAddrUri(m.From()); })));
  pvs.push_back(Ro("fU", OnMsg([](const Message& m) { return StrOrNull(FromUser(m)); })));
  pvs.push_back(Ro("fd", OnMsg([](const Message& m) { return StrOrNull(FromDomain(m)); })));
  pvs.push_back(Ro("ft", OnMsg([](const Message& m) { return StrOrNull(FromTag(m)); })));
  pvs.push_back(Ro("tu", OnMsg([](const Message& m) { return NameAddrUri(m.To()); })));
  pvs.push_back(Ro("tU", OnMsg([](const Message& m) { return StrOrNull(ToUser(m)); })));
  pvs.push_back(Ro("td", OnMsg([](const Message& m) { return StrOrNull(ToDomain(m)); })));
  pvs.push_back(Ro("tt", OnMsg([](const Message& m) { return StrOrNull(ToTag(m)); })));

  PvExport hdr = Ro("hdr", HeaderPv);
  hdr.name_mode = PvExport::NameMode::kRequired;
  hdr.parse_name = [](std::string_view name, std::any& parsed) -> Status {
    if (name.empty()) return Status::Invalid("$hdr needs a header name");
    for (char c : name)
      if (c == ':' || c == ' ' || c == '\t' || c == '\r' || c == '\n')
        return Status::Invalid("bad header name '" + std::string(name) + "' in $hdr");
    parsed = std::string(name);
    return Status::Ok();
  };
  pvs.push_back(hdr);

  pvs.push_back(Ro("mb", [](MsgContext& ctx, const PvArgs&) { return Value::Str(ctx.buf); }));
  pvs.push_back(Ro("ml", [](MsgContext& ctx, const PvArgs&) {
    return Value::Int(static_cast<int64_t>(ctx.buf.size()));
  }));
  pvs.push_back(Ro("rb", OnMsg([](const Message& m) { return StrOrNull(m.body()); })));
  pvs.push_back(Ro("ct", OnMsg([](const Message& m) {
                     const Header* h = m.Find(HeaderType::kContact);
                     return h ? Value::Str(std::string(h->value)) : Value::Null();
                   })));
  pvs.push_back(
      Ro("ai", OnMsg([](const Message& m) { return NameAddrUri(m.PAssertedIdentity()); })));
  pvs.push_back(Ro("re", OnMsg([](const Message& m) { return NameAddrUri(m.RemotePartyId()); })));
  pvs.push_back(Ro("di", OnMsg([](const Message& m) { return NameAddrUri(m.Diversion()); })));

  // A failure (duplicate name) leaves the PVs added before it registered;
  // the caller treats it as fatal at startup.
  for (const auto& p : pvs) SIPCAPD_RETURN_IF_ERROR(registry.AddPv("core", p));
  return Status::Ok();
}

}  // namespace sipcapd::sip
