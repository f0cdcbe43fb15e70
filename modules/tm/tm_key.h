// Pure helpers of the tm module: transaction matching keys (RFC 3261
// §17.2.3 with the RFC 2543 fallback), the branch ids tm puts in its Via,
// retransmission intervals, and the requests tm builds itself (hop-by-hop
// ACK for a non-2xx final reply, CANCEL of a branch).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/sip/message.h"

namespace sipcapd::tm {

// Matching key of a request received from upstream (server transaction).
// RFC 3261 (top Via branch starts with "z9hG4bK"): branch + sent-by +
// method, where ACK uses "INVITE" (it matches the INVITE transaction) and
// CANCEL keeps its own method. RFC 2543: Call-ID, CSeq number, From tag,
// top Via and method (ACK again as "INVITE"); the R-URI and To tag are
// left out so that an ACK (which carries our To tag) and a CANCEL match.
// `as_method` overrides the method (CANCEL looks up its INVITE with it).
Result<std::string> ServerKey(const sip::Message& req, std::string_view as_method = {});

// Branch of our Via on branch `index` of transaction `id`:
// "z9hG4bKtm<id hex>.<index>". ParseBranch is the inverse.
std::string MakeBranch(uint64_t id, uint32_t index);
struct BranchRef {
  uint64_t id = 0;
  uint32_t index = 0;
};
std::optional<BranchRef> ParseBranch(std::string_view branch);

// Retransmission interval after `sent` transmissions (1 = the first send):
// T1 * 2^(sent-1), capped at T2 for non-INVITE requests and for INVITE
// final replies (timer G); INVITE requests (timer A) are not capped.
int64_t RetransmitIntervalMs(int sent, int64_t t1_ms, int64_t t2_ms, bool capped);

// ACK for a non-2xx final reply to the request `branch_req` that we sent
// (RFC 3261 §17.1.1.3): same R-URI, top Via, From, Call-ID, CSeq number
// and Route headers; To from the reply.
Result<std::string> BuildAck(const sip::Message& branch_req, const sip::Message& reply);
// CANCEL of the request `branch_req` that we sent (§9.1).
Result<std::string> BuildCancel(const sip::Message& branch_req);

}  // namespace sipcapd::tm
