// libFuzzer target for the SIP parser: parses the input as a message, reads
// every typed header and validates it, and parses the input as a bare URI.
// Must never crash or read past the input (run with ASan/UBSan).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/sip/message.h"
#include "core/sip/msg_helpers.h"
#include "core/sip/uri.h"

using namespace sipcapd::sip;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto m = Message::Parse(in);
  size_t sink = m->first_line().size() + m->body().size() + m->trailing().size();
  if (m->first_line_ok()) {
    if (const auto* v = m->Vias())
      for (const auto& via : *v) sink += via.branch.size() + via.Param("x").has_value();
    for (const auto* list : {m->Contacts(), m->Routes(), m->RecordRoutes()})
      if (list)
        for (const auto& a : *list) sink += a.uri.host.size() + a.uri.Param("lr").has_value();
    for (const auto* a : {m->From(), m->To(), m->PAssertedIdentity(), m->PPreferredIdentity(),
                          m->RemotePartyId(), m->Diversion()})
      if (a) sink += a->tag.size() + a->uri.user.size();
    for (const auto* a : {m->Authorization(), m->ProxyAuthorization()})
      if (a) sink += a->UsernameUser().size() + a->Param("nonce").has_value();
    if (const auto* c = m->CSeq()) sink += c->number;
    if (const auto* c = m->ContentType()) sink += c->subtype.size();
    if (const auto* r = m->Reason()) sink += r->text.size();
    if (const auto* e = m->Event()) sink += e->id.size();
    sink += m->MaxForwards().value_or(0) + m->Expires().value_or(0);
    sink += m->Allows("INVITE") + m->CallId().size() + m->UserAgent().size() + m->Server().size();
    sink += m->FindByName("X-Test", -1) != nullptr;
    sink += Method(*m).size() + AuthUser(*m).size() + PaiUser(*m).size() + ContactPort(*m);
    sink += RuriUser(*m).size() + ViaBranch(*m).size() + DiversionUser(*m).size();
    m->Validate();
  }
  auto u = ParseUri(in);
  if (u.ok()) sink += u->host.size() + u->Transport().size();
  volatile size_t keep = sink;
  (void)keep;
  return 0;
}
