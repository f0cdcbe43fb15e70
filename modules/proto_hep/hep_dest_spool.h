// HepDestSpool: the optional on-disk store-and-forward spool of one HEP
// destination (params hep_spool_dir / hep_spool_max_size, see
// doc/modules/proto_hep.md). A thin layer over core/db/spool.h (checksummed
// append-only records, torn-tail recovery, segment reclamation): each record
// is one packet's encoded bytes exactly as they will be sent, so a replayed
// packet keeps its original HEP timestamps and chunks.
//
// How the HepSender uses it (ordering rule: the memory queue is always older
// than the spool's records, so the sender serves the queue first, then the
// spool, and a new packet goes to the spool whenever the spool is not empty):
//   * a packet goes to the spool instead of the memory queue while the
//     destination is down (a connect or write failed and no write succeeded
//     since), while the spool holds records, or when the queue is full;
//   * when the destination goes down the memory queue is moved into the
//     spool (Absorb) if the spool is empty, so it survives a restart;
//   * a record is consumed only after it was written; at stop the memory
//     queue is absorbed the same way; a spool left at stop is replayed by the
//     next process (records before a torn tail survive a crash);
//   * a full spool drops the new packet, counted in spool_dropped (and
//     send_dropped).
// Thread-safety: callers serialize (the sender calls it under its mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/db/spool.h"
#include "modules/proto_hep/hep_receiver.h"

namespace sipcapd::hep {

struct DestSpoolOptions {
  std::string dir;                   // empty: no spool for this destination
  uint64_t max_bytes = 64ull << 20;  // bound on the spool files of one destination
};

class HepDestSpool {
 public:
  // Opens (creates) <dir>/hep_<name>.* (name reduced to [A-Za-z0-9_.-]).
  static Result<std::unique_ptr<HepDestSpool>> Open(const DestSpoolOptions& opts,
                                                    const std::string& dest_name, HepStats* stats);

  // Stores one packet; false (counted in spool_dropped and send_dropped)
  // when the spool is full or the write failed.
  bool Append(std::string_view bytes);
  // The oldest record (false if none); Consume() after it was sent.
  bool Peek(std::string* out) { return spool_.Peek(out); }
  void Consume();
  bool empty() { return spool_.empty(); }
  uint64_t pending_records() { return spool_.pending_records(); }
  // Moves *q (oldest first) into the spool when the spool is empty; packets
  // that do not fit are dropped and counted. No-op when the spool is not
  // empty (the queue is older than its records and stays in memory).
  void Absorb(std::deque<std::string>* q);

 private:
  explicit HepDestSpool(HepStats* stats) : stats_(stats) {}
  db::Spool spool_;
  HepStats* stats_;
  std::chrono::steady_clock::time_point last_sync_{};
};

// True if a connected UDP socket has an error pending (SO_ERROR, cleared):
// an ICMP unreachable for a datagram just sent (on loopback and nearby
// hosts it is back before send() returns to us).
bool UdpErrorPending(int fd);

// Name of the spool files of a destination ("hep_" + name, unsafe bytes as '_').
std::string DestSpoolName(const std::string& dest_name);

}  // namespace sipcapd::hep
