// Transaction ("t") and dialog ("d") scopes of sip_trace (opensips-modules
// §2.4), on top of tm's TmApi/1 and dialog's DialogApi/1:
//   t: the current request "in" (traced by the caller), then through tm
//      callbacks: requests matched to the transaction (retransmission,
//      hop-by-hop ACK, CANCEL) "in", each request sent per branch (and the
//      local CANCEL / ACK) "out", every reply received "in", every reply
//      sent upstream (relayed or local: 100 Trying, t_reply, 408) "out".
//   d: t for the initial INVITE, plus every in-dialog request (traced "in"
//      when the dialog sees it) with t on its transaction, until BYE /
//      timeout.
// Thread-safety: callbacks run on tm / dialog threads; Tracer is thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "modules/dialog/dialog_api.h"
#include "modules/siptrace/tracer.h"
#include "modules/tm/tm_api.h"

namespace sipcapd::siptrace {

struct ScopeTrace {
  std::string id;
  uint32_t types = kTypeSip;
  std::string attrs;
  // The "net" extra correlation of every packet of the transaction /
  // dialog: the traced TCP connection the sip_trace() message came on (as
  // OpenSIPS keeps its conn_id in the trace info). TraceTransaction and
  // TraceDialog fill it from their message when it is empty.
  std::string net_correlation;
};

// A record for a message seen by tm: `dir` "in"/"out", with the addresses
// the caller resolved (a wildcard local one replaced by trace_local_ip or
// the kernel's local address toward the peer).
TraceRecord RecordFromTm(const tm::TmCbParams& p, const char* dir, const SockAddr& from,
                         const SockAddr& to, int64_t now_us);

// How long the Call-ID of a traced transaction / dialog keeps xlog lines
// traced at most (normally released at transaction end / dialog end).
inline constexpr auto kTransactionContextTtl = std::chrono::minutes(5);
inline constexpr auto kDialogContextTtl = std::chrono::hours(12);

// Registers the tm callbacks of scope t on the transaction of ctx; with
// the xlog type also follows the call's xlog lines until it ends.
bool TraceTransaction(Tracer& tracer, tm::TmApi& tm, MsgContext& ctx, const ScopeTrace& s);
// Scope d: creates (or finds) the dialog of ctx and follows it.
bool TraceDialog(Tracer& tracer, tm::TmApi& tm, dialog::DialogApi& dlg, MsgContext& ctx,
                 const ScopeTrace& s);

}  // namespace sipcapd::siptrace
