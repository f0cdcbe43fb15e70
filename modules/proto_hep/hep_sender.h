// HepSender: one per destination. Enqueue() never blocks: packets go into a
// bounded FIFO served by the sender's own thread, which (re)resolves the
// host at every connect (DNS changes are followed), connects UDP or TCP
// with a non-blocking connect bounded by connect_timeout_ms, writes with
// MSG_NOSIGNAL bounded by send_timeout_ms, sets TCP keepalive, and on
// failure reconnects with exponential backoff (100 ms .. 30 s). A packet
// stays at the head of the queue until written: a failed connect keeps it
// for the reconnect; a failed TCP write reconnects and retries it once.
// Without a spool, UDP and plain TCP packets go out in batches of up to 128
// datagrams per sendmmsg (UDP) or 512 packets per sendmsg (TCP), the
// thread waiting up to 8 ms (UDP) or 32 ms (TCP) for a batch to fill. While
// packets keep coming the thread paces itself by that clock (producers
// never wake it); after 4 empty waits it sleeps until the next packet.
// UDP and plain TCP without spool, while connected, the producers skip the
// queue: each thread appends its packets to a stage of its own (one of
// kStages, up to kStageBytes; UDP also up to 128 datagrams) and, when the
// stage is full, writes it to the socket itself (non-blocking: one send
// (TCP) or sendmmsg (UDP); only when nothing is queued before it and no
// other write is in progress), so the bytes go to the kernel from the
// cache of the core that encoded them and no packet is handed between
// threads. What a write leaves (the collector is slow, or the connection
// broke) and a stage that cannot be written goes into the queue in order,
// the partly written TCP packet first (finished on the same connection,
// resent whole on a new one). The thread moves stages older than kStageAge
// (100 ms) into the queue. A thread's packets keep their order; a stage
// holds at most kStageBytes besides the queue's queue_max packets.
// Drops are counted in send_dropped and by reason: send_dropped_full (the
// new packet, queue full), send_dropped_write (UDP send error, or a TCP
// write that failed twice), send_dropped_shutdown (queued at stop).
// transport=tls: after the TCP connect, a TLS handshake (SenderOptions::tls,
// bounded by its handshake timeout; failures counted in tls_connect_failed
// and connect_failures) and the writes go through the session; before each
// write, what the collector sent is drained, so an alert or close_notify
// reconnects instead of losing the packet. With TLS 1.3 and a client
// certificate, a new session waits up to 500 ms for the collector's
// verdict on the certificate before the first write.
// Optional disk spool (SenderOptions::spool, hep_dest_spool.h): packets go
// to disk while the destination is down or the queue is full and are
// replayed in order with their original bytes; with a spool a failed write
// keeps the packet (UDP: an error pending on the socket right after the
// send counts as failed) and nothing is dropped except on a full spool.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/net/address.h"
#include "modules/proto_hep/hep_dest_spool.h"
#include "modules/proto_hep/hep_id.h"
#include "modules/proto_hep/hep_receiver.h"
#include "modules/proto_hep/hep_tls.h"

namespace sipcapd::hep {

struct SenderOptions {
  size_t queue_max = 10000;  // packets
  int connect_timeout_ms = 1000;
  int send_timeout_ms = 100;
  int max_backoff_ms = 30000;
  // While connected to a host name, resolve it again this often (0: only
  // at connect); an address set that no longer holds the connected peer
  // reconnects to the new one (hep_dns_refresh).
  int dns_refresh_ms = 30000;
  std::shared_ptr<const TlsContext> tls;  // client context; required for transport=tls
  DestSpoolOptions spool;                 // dir empty: no disk spool
};

class HepSender {
 public:
  HepSender(Destination dest, SenderOptions opts, HepStats* stats);
  // Stops the thread; queued packets are dropped (send_dropped_shutdown),
  // but over UDP and plain TCP without spool what is staged and queued is
  // written first while the connection is up.
  ~HepSender();
  HepSender(const HepSender&) = delete;
  HepSender& operator=(const HepSender&) = delete;

  // False (and counted in send_dropped) when the queue is full (with a
  // spool: when the spool is full).
  bool Enqueue(std::string bytes);
  // Enqueue(std::move(*bytes)), handing back in *bytes an empty buffer
  // whose packet the thread has sent (or an empty string): a caller that
  // encodes its next packet into it allocates nothing, and the sender
  // thread reuses buffers instead of freeing what workers allocated.
  bool EnqueueSwap(std::string* bytes);
  size_t queued() const;  // in the queue and in the stages
  const Destination& dest() const { return dest_; }

  // A re-resolution's addresses (empty: the name did not resolve).
  struct DnsAnswer {
    std::vector<SockAddr> addrs;
  };

 private:
  void Run();
  // UDP without spool, connected: sends up to 128 queued datagrams with one
  // sendmmsg, after waiting up to 8 ms for them to accumulate (called and returns with mu_ held;
  // unlocked while sending, holding writing_).
  void SendUdpBatch(std::unique_lock<std::mutex>* l);
  // Counts `consumed` packets taken off a queue or stage, `failed` of them
  // lost to a UDP send error.
  void CountSent(size_t consumed, size_t failed);
  // Plain TCP without spool, connected: the same for up to 512 queued
  // packets written with one sendmsg (partial writes continued); on a write
  // error the fully written ones are consumed, the connection is closed and
  // the rest stays queued for the reconnect.
  void SendStreamBatch(std::unique_lock<std::mutex>* l);
  bool Connect();
  // Each turn of Run() (mu_ held by *l): connected to a host name whose
  // dns_refresh_ms has passed, starts resolving it on a thread of its own
  // (dns_); once that answered and no longer holds the connected peer,
  // waits for producers' writes to end and disconnects, so that the next
  // packet connects to the new address; true then. A name that does not
  // resolve now keeps the working connection.
  bool FollowDns(std::unique_lock<std::mutex>* l);

  bool Write(const std::string& b);
  bool StartTls(int fd);  // handshake on a connected socket; sets tls_
  bool TlsWrite(const std::string& b);
  void Disconnect();
  // Keeps a sent packet's buffer for EnqueueSwap (mu_ held); a full spare
  // list or a large buffer frees it instead.
  void Recycle(std::string* b);
  size_t BatchMax() const;  // packets per system call: 128 (UDP), 512 (TCP)
  // Queues (or spools / drops) one packet with mu_ held; *wake: notify.
  bool EnqueueLocked(std::string* bytes, bool* wake);
  // EnqueueLocked, then *bytes = a sent packet's buffer (when one is kept).
  bool EnqueueSwapLocked(std::string* bytes, bool* wake);

  // A producer thread's packets, back to back (UDP and plain TCP without
  // spool).
  struct Stage {
    mutable std::mutex mu;  // taken before mu_, never after it
    std::string buf;
    std::vector<uint32_t> ends;                   // end of each packet in buf
    std::chrono::steady_clock::time_point since;  // its first packet
  };
  static constexpr size_t kStages = 8;
  // 256 KB rather than 64: a quarter of the writes, and of the collector's
  // wake-ups (A/B at 1200 traced calls/s: proxy -3.3..-7.5, collector
  // -2.5..-5.0 us a call; session 10). The socket's send buffer is set to
  // hold several (SO_SNDBUF 4 x kStageBytes).
  static constexpr size_t kStageBytes = 262144;
  // Appends a packet to the caller's stage; writes the stage when full.
  bool StagePacket(std::string* bytes);
  // st.mu held: writes st to the socket when the connection is up, nothing
  // is queued and no write is in progress; queues what is left; empties st.
  void FlushStage(Stage& st);
  // st.mu and mu_ held: st's packets [from..] into the queue and st
  // emptied. At the front and as they are when the packets follow a
  // producer's own write (the first may be half-sent: front_written_);
  // else appended with EnqueueLocked (a full queue drops and counts).
  // *wake: notify.
  void QueueStageLocked(Stage& st, size_t from, bool at_front, bool* wake);
  // Sender thread, mu_ held by *l (released meanwhile): stages whose first
  // packet is older than `age` go into the queue; returns the packets still
  // staged.
  size_t CollectStages(std::unique_lock<std::mutex>* l, std::chrono::microseconds age);

  Destination dest_;
  SenderOptions opts_;
  HepStats* stats_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> q_;
  std::vector<std::string> spare_;  // sent buffers for EnqueueSwap
  bool stop_ = false;
  bool waiting_ = false;    // Run() sleeps on an empty queue (Enqueue notifies)
  bool lingering_ = false;  // Run() waits up to 8 / 32 ms for a batch to fill
  const bool staging_;      // UDP and plain TCP without spool: producers use stages_
  Stage stages_[kStages];
  // (mu_) The connected socket a producer may write a stage to (-1: none);
  // writing_: someone writes to it outside mu_ alone (a TCP producer, or
  // the thread's batch); udp_writers_: UDP producers sending their stages
  // (side by side, never during the thread's batch). The thread connects
  // and disconnects only while it is -1 or while it owns writing_.
  int direct_fd_ = -1;
  bool writing_ = false;
  int udp_writers_ = 0;
  bool WriteInProgress() const { return writing_ || udp_writers_ > 0; }
  bool waiting_writer_ = false;  // (mu_) Run() waits for a producer's write to end
  size_t front_written_ = 0;     // (mu_) bytes of q_.front() already on this connection
  bool stage_started_ = false;   // (mu_) a stage got its first packet: wakes Run()
  int fd_ = -1;
  // The connected peer (fd_ >= 0), when it was last resolved, and whether
  // dest_.host is a name (not an IP literal) at all.
  SockAddr peer_;
  std::chrono::steady_clock::time_point resolved_at_;
  const bool host_is_name_;
  std::future<DnsAnswer> dns_;       // a re-resolution in flight (its thread is waited for at stop)
  std::unique_ptr<TlsSession> tls_;  // transport=tls, while connected
  std::unique_ptr<HepDestSpool> spool_;  // optional; guarded by mu_
  bool down_ = false;                    // spool: last connect/write failed
  int backoff_ms_ = 0;
  std::thread thread_;
};

}  // namespace sipcapd::hep
