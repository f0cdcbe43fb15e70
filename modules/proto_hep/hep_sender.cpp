// HEP sender (contract in hep_sender.h).
#include "modules/proto_hep/hep_sender.h"

#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <system_error>

#include "core/base/log.h"
#include "core/base/thread_name.h"

namespace sipcapd::hep {
namespace {
// How long a new TLS 1.3 session with a client certificate waits for the
// collector's verdict on that certificate (it arrives within one RTT).
constexpr int kTls13VerdictMs = 500;
// UDP or plain TCP without spool: packets per sendmmsg / sendmsg, and how
// long the thread waits for a batch to fill (the added latency of a lone
// packet). 128 datagrams of a traced call's ~700 bytes are ~90 KB, but a
// receiver's kernel charges each its whole buffer (2304 bytes on
// loopback): ~290 KB, more than a default 208 KB receive buffer holds, so
// a collector that does not read while a burst arrives (~250 us) loses
// its tail; collectors need a larger buffer (sipcapd: hep_rcvbuf). A
// stream write costs little per packet, a wake-up of the sender and of the
// collector a lot.
constexpr size_t kUdpBatch = 128;
constexpr size_t kStreamBatch = 512;
// Measured with two traced proxies side by side (session 5, HEP/UDP):
// 128 datagrams and 4 ms instead of 64 and 1 ms cut the proxy's CPU by
// 8-12 us a call at 1200 calls/s and 3-8 us at 1700; over TCP 8 ms instead
// of 4 ms by 2-4 us. Fewer wake-ups of the sender and the collector.
// Session 6, the same way: 8 ms (UDP) and 16 ms (TCP) another 3-5 us.
// Session 8, per-thread CPU at 1200 calls/s over TCP: 32 ms and 512
// packets instead of 16 ms and 256 took 2.5 us a call off the sender thread
// and 2 us off the collector's (each wake-up costs ~40 us of CPU on this
// VM); 64 ms and 1024 gained nothing more.
constexpr std::chrono::microseconds kStreamLinger{32000};
// Plain TCP with producers writing their stages (hep_sender.h): a stage
// not filled within this is queued by the thread (a lone packet's added
// latency, at most about twice this), and while nothing is queued the
// thread checks the stages this often instead of every linger. At 1200
// traced calls/s a producer fills its 256 KB stage every ~50 ms.
constexpr std::chrono::microseconds kStageAge{100000};
constexpr std::chrono::microseconds kUdpLinger{8000};
// Empty lingers in a row after which the thread sleeps until a packet
// comes (Enqueue wakes it) instead of pacing by the clock.
constexpr int kIdleLingers = 4;
// Sent buffers kept for EnqueueSwap: how many, and the largest kept.
constexpr size_t kMaxSpare = kStreamBatch;
constexpr size_t kMaxSpareCapacity = 16384;

// Polls fd for POLLOUT until the deadline; false when it has passed.
bool WaitWritable(int fd, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left <= 0) return false;
  pollfd p{fd, POLLOUT, 0};
  poll(&p, 1, static_cast<int>(left));
  return true;
}

// dest's host and port resolved for its transport; null when it does not
// resolve.
using AddrList = std::unique_ptr<addrinfo, decltype(&freeaddrinfo)>;
AddrList Resolve(const Destination& dest) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = dest.transport == Transport::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  if (getaddrinfo(dest.host.c_str(), std::to_string(dest.port).c_str(), &hints, &res) != 0)
    res = nullptr;
  return AddrList(res, &freeaddrinfo);
}

// Resolve(dest) on a thread of its own (std::async: its future waits for
// it when destroyed); no addresses when it does not resolve.
std::future<HepSender::DnsAnswer> StartLookup(const Destination& dest) {
  return std::async(std::launch::async, [dest] {
    HepSender::DnsAnswer ans;
    AddrList res = Resolve(dest);
    for (addrinfo* a = res.get(); a; a = a->ai_next)
      ans.addrs.push_back(SockAddr::FromSockaddr(a->ai_addr));
    return ans;
  });
}

// Sends iov[0..count) (count <= kUdpBatch), one datagram each, with
// sendmmsg. A datagram refused with an error (an ICMP unreachable reported
// by a later send) is lost and counted in *failed, the socket kept, as in
// HepSender::Write. When the socket has no room: waits for it until
// *deadline, or without a deadline stops there. Returns the datagrams
// consumed (sent or lost), a prefix of iov.
size_t SendDatagrams(int fd, iovec* iov, size_t count,
                     const std::chrono::steady_clock::time_point* deadline, size_t* failed) {
  mmsghdr msgs[kUdpBatch];
  for (size_t i = 0; i < count; ++i) {
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  size_t off = 0;
  while (off < count) {
    int n =
        sendmmsg(fd, msgs + off, static_cast<unsigned>(count - off), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!deadline) break;
      if (WaitWritable(fd, *deadline)) continue;
    }
    ++off;  // the datagram at the front is lost
    ++*failed;
  }
  return off;
}
}  // namespace

HepSender::HepSender(Destination dest, SenderOptions opts, HepStats* stats)
    : dest_(std::move(dest)),
      opts_(opts),
      stats_(stats),
      staging_((dest_.transport == Transport::kTcp || dest_.transport == Transport::kUdp) &&
               opts_.spool.dir.empty()),
      host_is_name_(!IpAddr::Parse(dest_.host)) {
  if (!opts_.spool.dir.empty()) {
    auto sp = HepDestSpool::Open(opts_.spool, dest_.Key(), stats_);
    if (sp.ok()) {
      spool_ = std::move(sp.value());
    } else {
      LOG_ERR("proto_hep", "hep_id %s: no disk spool: %s", dest_.name.c_str(),
              sp.status().message().c_str());
    }
  }
  thread_ = std::thread([this] {
    SetThreadName("hep>" + dest_.name);
    Run();
  });
}

HepSender::~HepSender() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  Disconnect();
}

bool HepSender::EnqueueLocked(std::string* bytes, bool* wake) {
  *wake = false;
  if (spool_ && (down_ || q_.size() >= opts_.queue_max || !spool_->empty())) {
    if (!spool_->Append(*bytes)) return false;
    bytes->clear();
  } else if (q_.size() >= opts_.queue_max) {
    stats_->send_dropped.Inc();
    stats_->send_dropped_full.Inc();
    return false;
  } else {
    q_.push_back(std::move(*bytes));
  }
  // Wake the thread only when it sleeps on an empty queue: one futex
  // call per burst instead of one per packet.
  // While it lingers for a batch, only a full batch wakes it early.
  *wake = waiting_ || (lingering_ && q_.size() >= BatchMax());
  return true;
}

bool HepSender::Enqueue(std::string bytes) {
  if (staging_) return StagePacket(&bytes);  // behind the thread's staged packets
  bool ok, wake;
  {
    std::lock_guard<std::mutex> l(mu_);
    ok = EnqueueLocked(&bytes, &wake);
  }
  if (wake) cv_.notify_one();
  return ok;
}

bool HepSender::EnqueueSwap(std::string* bytes) {
  if (staging_) return StagePacket(bytes);
  bool ok, wake;
  {
    std::lock_guard<std::mutex> l(mu_);
    ok = EnqueueSwapLocked(bytes, &wake);
  }
  if (wake) cv_.notify_one();
  return ok;
}

bool HepSender::EnqueueSwapLocked(std::string* bytes, bool* wake) {
  bool ok = EnqueueLocked(bytes, wake);
  if (ok && !spare_.empty()) {
    *bytes = std::move(spare_.back());
    spare_.pop_back();
  }
  return ok;
}

size_t HepSender::BatchMax() const {
  return dest_.transport == Transport::kUdp ? kUdpBatch : kStreamBatch;
}

void HepSender::Recycle(std::string* b) {
  if (spare_.size() >= kMaxSpare || b->capacity() > kMaxSpareCapacity) {
    std::string().swap(*b);
    return;
  }
  b->clear();
  spare_.push_back(std::move(*b));
}

size_t HepSender::queued() const {
  size_t staged = 0;
  for (const Stage& st : stages_) {  // before mu_ (lock order)
    std::lock_guard<std::mutex> g(st.mu);
    staged += st.ends.size();
  }
  std::lock_guard<std::mutex> l(mu_);
  return q_.size() + staged;
}

bool HepSender::StagePacket(std::string* bytes) {
  // A thread keeps its stage (threads beyond kStages share one).
  static std::atomic<unsigned> next_slot{0};
  thread_local unsigned slot = next_slot.fetch_add(1, std::memory_order_relaxed);
  Stage& st = stages_[slot % kStages];
  std::unique_lock<std::mutex> g(st.mu);
  if (st.ends.empty()) {
    bool wake;
    std::unique_lock<std::mutex> l(mu_);
    if (direct_fd_ < 0 || stop_) {
      // Not connected: queued, so that a full queue refuses it now.
      bool ok = EnqueueSwapLocked(bytes, &wake);
      l.unlock();
      if (wake) cv_.notify_one();
      return ok;
    }
    stage_started_ = true;  // Run() moves it into the queue if it gets old
    wake = waiting_;
    l.unlock();
    if (wake) cv_.notify_one();
    st.since = std::chrono::steady_clock::now();
  }
  st.buf.append(*bytes);
  st.ends.push_back(static_cast<uint32_t>(st.buf.size()));
  bytes->clear();  // the caller encodes its next packet into it: no allocation
  bool full = st.buf.size() >= kStageBytes ||
              (dest_.transport == Transport::kUdp && st.ends.size() >= kUdpBatch);
  if (full) FlushStage(st);
  return true;
}

void HepSender::FlushStage(Stage& st) {
  size_t off = 0;   // bytes written (UDP: of the datagrams sent or lost)
  size_t lost = 0;  // UDP datagrams refused with an error
  bool wrote = false, wake = false;
  std::unique_lock<std::mutex> l(mu_);
  bool udp = dest_.transport == Transport::kUdp;
  if (direct_fd_ >= 0 && q_.empty() && !writing_ && !stop_) {
    // Datagrams of several producers may go out side by side; a stream
    // takes one writer at a time.
    int fd = direct_fd_;
    if (udp)
      ++udp_writers_;
    else
      writing_ = true;
    l.unlock();
    // Never waits: what the socket does not take now goes to the queue.
    if (udp) {
      iovec iov[kUdpBatch];
      for (size_t i = 0, begin = 0; i < st.ends.size(); begin = st.ends[i++])
        iov[i] = {st.buf.data() + begin, st.ends[i] - begin};
      size_t done = SendDatagrams(fd, iov, st.ends.size(), nullptr, &lost);
      off = done ? st.ends[done - 1] : 0;
    } else {
      while (off < st.buf.size()) {
        ssize_t n = send(fd, st.buf.data() + off, st.buf.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          off += static_cast<size_t>(n);
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
      }
    }
    l.lock();
    if (udp)
      --udp_writers_;
    else
      writing_ = false;
    wake = waiting_writer_ && !WriteInProgress();
    wrote = true;
  }
  size_t full =
      static_cast<size_t>(std::upper_bound(st.ends.begin(), st.ends.end(), off) - st.ends.begin());
  CountSent(full, lost);
  stats_->sent_direct.Inc(static_cast<int64_t>(full - lost));
  if (full < st.ends.size()) {
    // After our own write nothing was queued when it began and the thread
    // has not written since (writing_): the rest goes before what producers
    // queued meanwhile, the partly written packet first.
    if (wrote) front_written_ = off - (full ? st.ends[full - 1] : 0);
    QueueStageLocked(st, full, wrote, &wake);
    // Producers write their stages again once the queue is empty: the
    // thread sends it now rather than after its linger.
    wake = wake || waiting_ || lingering_;
  }
  l.unlock();
  st.buf.clear();
  st.ends.clear();
  if (wake) cv_.notify_one();
}

void HepSender::QueueStageLocked(Stage& st, size_t from, bool at_front, bool* wake) {
  size_t begin = from ? st.ends[from - 1] : 0;
  auto front = q_.begin();
  for (size_t i = from; i < st.ends.size(); ++i) {
    std::string b(st.buf, begin, st.ends[i] - begin);
    begin = st.ends[i];
    if (at_front) {
      front = q_.insert(front, std::move(b)) + 1;
      continue;
    }
    bool w = false;
    EnqueueLocked(&b, &w);
    *wake = *wake || w;
  }
  st.buf.clear();
  st.ends.clear();
}

size_t HepSender::CollectStages(std::unique_lock<std::mutex>* l, std::chrono::microseconds age) {
  stage_started_ = false;
  l->unlock();
  auto now = std::chrono::steady_clock::now();
  size_t left = 0;
  for (Stage& st : stages_) {
    std::lock_guard<std::mutex> g(st.mu);
    if (st.ends.empty()) continue;
    if (now - st.since < age) {
      left += st.ends.size();
      continue;
    }
    std::lock_guard<std::mutex> m(mu_);
    bool wake = false;
    QueueStageLocked(st, 0, false, &wake);
  }
  l->lock();
  return left;
}

bool HepSender::FollowDns(std::unique_lock<std::mutex>* l) {
  if (!host_is_name_ || opts_.dns_refresh_ms <= 0) return false;
  if (!dns_.valid()) {
    auto now = std::chrono::steady_clock::now();
    if (fd_ < 0 || now - resolved_at_ < std::chrono::milliseconds(opts_.dns_refresh_ms))
      return false;
    resolved_at_ = now;
    // On a thread of its own: a DNS server that does not answer (seconds
    // per query) never holds up this thread's sending.
    try {
      dns_ = StartLookup(dest_);
    } catch (const std::system_error& e) {  // no thread now: try at the next refresh
      LOG_WARN("proto_hep", "hep_id %s: cannot re-resolve %s: %s", dest_.name.c_str(),
               dest_.host.c_str(), e.what());
    }
    return false;
  }
  if (dns_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
  DnsAnswer ans;
  try {
    ans = dns_.get();
  } catch (const std::exception&) {  // out of memory in the lookup: keep the connection
    return false;
  }
  // A name that does not resolve now keeps the working connection.
  if (fd_ < 0 || ans.addrs.empty() || stop_) return false;
  if (std::find(ans.addrs.begin(), ans.addrs.end(), peer_) != ans.addrs.end()) return false;
  waiting_writer_ = true;
  cv_.wait(*l, [this] { return !WriteInProgress(); });  // producers' writes end
  waiting_writer_ = false;
  if (front_written_ > 0) {  // finish the half-sent packet first; look again next turn
    resolved_at_ = {};
    return false;
  }
  LOG_INFO("proto_hep", "hep_id %s: %s no longer resolves to the connected address: reconnecting",
           dest_.name.c_str(), dest_.host.c_str());
  stats_->dns_moves.Inc();
  direct_fd_ = -1;
  stage_started_ = true;  // the loop queues what is staged and reconnects now
  Disconnect();
  return true;
}

void HepSender::Disconnect() {
  if (tls_) tls_->Close();
  tls_.reset();
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool HepSender::Connect() {
  bool udp = dest_.transport == Transport::kUdp;
  AddrList res = Resolve(dest_);
  if (!res) {
    LOG_WARN("proto_hep", "hep_id %s: cannot resolve %s", dest_.name.c_str(), dest_.host.c_str());
    return false;
  }
  bool ok = false;
  for (addrinfo* a = res.get(); a && !ok; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = ETIMEDOUT;
      if (poll(&p, 1, opts_.connect_timeout_ms) == 1) {
        socklen_t el = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
      }
      rc = err == 0 ? 0 : -1;
    }
    if (rc != 0) {
      close(fd);
      continue;
    }
    if (!udp) {
      int one = 1;
      setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      if (staging_) {  // a whole stage fits in the socket buffer
        int sndbuf = static_cast<int>(4 * kStageBytes);
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
      }
    }
    if (dest_.transport == Transport::kTls && !StartTls(fd)) {
      close(fd);
      continue;
    }
    fd_ = fd;
    peer_ = SockAddr::FromSockaddr(a->ai_addr);
    resolved_at_ = std::chrono::steady_clock::now();
    ok = true;
  }
  return ok;
}

bool HepSender::StartTls(int fd) {
  if (!opts_.tls) {
    LOG_ERR("proto_hep", "hep_id %s: transport=tls without a TLS client context",
            dest_.name.c_str());
    return false;
  }
  auto s = TlsSession::Connect(*opts_.tls, fd, dest_.host);
  if (!s.ok()) {
    stats_->tls_connect_failed.Inc();
    LOG_WARN("proto_hep", "hep_id %s: %s", dest_.name.c_str(), s.status().message().c_str());
    return false;
  }
  std::unique_ptr<TlsSession> tls = std::move(s.value());
  int timeout_ms = opts_.tls->handshake_timeout_ms();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    TlsIo r = tls->Handshake();
    if (r == TlsIo::kOk) break;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if ((r == TlsIo::kWantRead || r == TlsIo::kWantWrite) && left > 0) {
      pollfd p{fd, static_cast<short>(r == TlsIo::kWantRead ? POLLIN : POLLOUT), 0};
      poll(&p, 1, static_cast<int>(left));
      continue;
    }
    stats_->tls_connect_failed.Inc();
    LOG_WARN("proto_hep", "hep_id %s: TLS handshake with %s:%u failed: %s", dest_.name.c_str(),
             dest_.host.c_str(), dest_.port, r == TlsIo::kError ? tls->error().c_str() : "timeout");
    return false;
  }
  // TLS 1.3: a collector rejecting our certificate says so only after our
  // side finished the handshake; wait briefly for that verdict so the
  // first packet is not written into a dead session.
  if (tls->tls13() && opts_.tls->has_certificate()) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kTls13VerdictMs) == 1) {
      char junk[512];
      size_t n = 0;
      TlsIo r = tls->Read(junk, sizeof(junk), &n);
      if (r == TlsIo::kError || r == TlsIo::kClosed) {
        stats_->tls_connect_failed.Inc();
        LOG_WARN("proto_hep", "hep_id %s: %s:%u refused the TLS session: %s", dest_.name.c_str(),
                 dest_.host.c_str(), dest_.port,
                 r == TlsIo::kError ? tls->error().c_str() : "closed");
        return false;
      }
    }
  }
  LOG_DBG("proto_hep", "hep_id %s: TLS to %s:%u, %s", dest_.name.c_str(), dest_.host.c_str(),
          dest_.port, tls->Describe().c_str());
  tls_ = std::move(tls);
  return true;
}

bool HepSender::TlsWrite(const std::string& b) {
  // Drain what the collector sent: an alert or close_notify fails this
  // write (the packet is retried on a new connection) instead of losing it.
  char junk[4096];
  size_t n = 0;
  while (true) {
    TlsIo r = tls_->Read(junk, sizeof(junk), &n);
    if (r == TlsIo::kOk) continue;
    if (r == TlsIo::kWantRead || r == TlsIo::kWantWrite) break;
    if (r == TlsIo::kError)
      LOG_WARN("proto_hep", "hep_id %s: TLS session failed: %s", dest_.name.c_str(),
               tls_->error().c_str());
    else
      LOG_INFO("proto_hep", "hep_id %s: TLS session closed by the collector: reconnecting",
               dest_.name.c_str());
    return false;
  }
  size_t off = 0;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.send_timeout_ms);
  while (off < b.size()) {
    TlsIo r = tls_->Write(b.data() + off, b.size() - off, &n);
    if (r == TlsIo::kOk) {
      off += n;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if ((r != TlsIo::kWantRead && r != TlsIo::kWantWrite) || left <= 0) return false;
    pollfd p{fd_, static_cast<short>(r == TlsIo::kWantRead ? POLLIN : POLLOUT), 0};
    poll(&p, 1, static_cast<int>(left));
  }
  return true;
}

bool HepSender::Write(const std::string& b) {
  if (tls_) return TlsWrite(b);
  size_t off = 0;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.send_timeout_ms);
  while (off < b.size()) {
    ssize_t n = send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      if (dest_.transport == Transport::kUdp) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitWritable(fd_, deadline)) return false;
      continue;
    }
    return false;
  }
  return true;
}

void HepSender::SendUdpBatch(std::unique_lock<std::mutex>* l) {
  std::string batch[kUdpBatch];
  iovec iov[kUdpBatch];
  size_t count = 0;
  while (count < kUdpBatch && !q_.empty()) {
    batch[count] = std::move(q_.front());
    iov[count] = {batch[count].data(), batch[count].size()};
    ++count;
    q_.pop_front();
  }
  writing_ = true;  // no producer writes a stage meanwhile (their order)
  l->unlock();
  size_t failed = 0;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.send_timeout_ms);
  SendDatagrams(fd_, iov, count, &deadline, &failed);
  CountSent(count, failed);
  backoff_ms_ = 0;
  l->lock();
  writing_ = false;
  for (size_t i = 0; i < count; ++i) Recycle(&batch[i]);
}

void HepSender::CountSent(size_t consumed, size_t failed) {
  stats_->sent.Inc(static_cast<int64_t>(consumed - failed));
  if (failed) {
    stats_->send_errors.Inc(static_cast<int64_t>(failed));
    stats_->send_dropped.Inc(static_cast<int64_t>(failed));
    stats_->send_dropped_write.Inc(static_cast<int64_t>(failed));
  }
}

void HepSender::SendStreamBatch(std::unique_lock<std::mutex>* l) {
  // The first `count` strings stay where they are while unlocked: only this
  // thread removes from q_, and Enqueue only appends (a deque keeps its
  // elements in place on push_back).
  size_t count = std::min(q_.size(), kStreamBatch);
  iovec iov[kStreamBatch];
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) {
    iov[i] = {q_[i].data(), q_[i].size()};
    total += q_[i].size();
  }
  if (count && front_written_) {  // a producer's write left it half-sent
    iov[0].iov_base = q_[0].data() + front_written_;
    iov[0].iov_len -= front_written_;
    total -= front_written_;
  }
  writing_ = true;  // no producer writes (or queues at the front) meanwhile
  l->unlock();
  size_t done = 0, first = 0;  // bytes written; first iovec not fully written
  bool failed = false;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(opts_.send_timeout_ms);
  while (done < total) {
    msghdr mh{};
    mh.msg_iov = iov + first;
    mh.msg_iovlen = count - first;
    ssize_t n = sendmsg(fd_, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += static_cast<size_t>(n);
      for (size_t left = static_cast<size_t>(n); left > 0;) {  // advance past what went out
        size_t take = std::min(left, iov[first].iov_len);
        iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + take;
        iov[first].iov_len -= take;
        left -= take;
        if (iov[first].iov_len == 0) ++first;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && WaitWritable(fd_, deadline)) continue;
    failed = true;
    break;
  }
  // Packets fully written leave the queue; a partly written or unwritten
  // one stays at the front and goes out again on a new connection (the
  // single-packet path: reconnect, retry once).
  size_t full = 0;
  while (full < count && iov[full].iov_len == 0) ++full;
  if (failed) {
    stats_->send_errors.Inc();
    Disconnect();
  } else {
    backoff_ms_ = 0;
  }
  stats_->sent.Inc(static_cast<int64_t>(full));
  l->lock();
  writing_ = false;
  // The front packet went out whole, or the connection is gone and it goes
  // out whole on the next one.
  front_written_ = 0;
  if (fd_ < 0) direct_fd_ = -1;
  for (size_t i = 0; i < full; ++i) {
    Recycle(&q_.front());
    q_.pop_front();
  }
}

void HepSender::Run() {
  std::unique_lock<std::mutex> l(mu_);
  int attempts = 0;         // failed writes of the packet at the front
  int idle = kIdleLingers;  // lingers in a row that found nothing to send
  while (true) {
    FollowDns(&l);  // then fd_ < 0 when the host moved: the next packet reconnects
    bool udp = dest_.transport == Transport::kUdp;
    bool batched = !spool_ && fd_ >= 0 && (udp || (dest_.transport == Transport::kTcp && !tls_));
    if (staging_) direct_fd_ = batched ? fd_ : -1;
    if (batched && idle < kIdleLingers) {
      // Busy: pace by the clock. Wait kUdpLinger for a burst to build up
      // (a full batch wakes the thread early) and send it with one call;
      // producers never have to wake the thread, so a steady stream costs
      // them no futex call and the thread one wake-up per batch.
      if (q_.size() < BatchMax()) {
        lingering_ = true;
        auto linger = staging_ && q_.empty() ? kStageAge : udp ? kUdpLinger : kStreamLinger;
        cv_.wait_for(l, linger, [this] { return stop_ || q_.size() >= BatchMax(); });
        lingering_ = false;
      }
      if (stop_) break;
      // Stages the producers have not filled within a linger: queued.
      size_t staged = staging_ ? CollectStages(&l, kStageAge) : 0;
      if (q_.empty()) {
        if (staged == 0) ++idle;
        continue;
      }
      idle = 0;
      if (WriteInProgress()) {  // producers writing their stages: wait for them
        waiting_writer_ = true;
        cv_.wait(l, [this] { return stop_ || !WriteInProgress(); });
        waiting_writer_ = false;
        if (stop_) break;
      }
      if (udp)
        SendUdpBatch(&l);
      else
        SendStreamBatch(&l);
      continue;
    }
    waiting_ = true;
    cv_.wait(l, [this] {
      return stop_ || !q_.empty() || stage_started_ || (spool_ && !spool_->empty());
    });
    waiting_ = false;
    if (stop_) break;
    if (batched) {
      idle = 0;  // woken from idle by a packet: back to paced batches
      continue;
    }
    // Disconnected: what producers staged before goes into the queue.
    if (staging_) CollectStages(&l, std::chrono::microseconds(0));
    if (q_.empty() && !spool_) continue;
    // The front packet stays queued until it is written or given up, so a
    // connect failure keeps it for the reconnect (the queue bounds it). The
    // memory queue is older than the spool's records, so it goes first.
    bool from_spool = q_.empty();
    std::string b;
    if (from_spool && !spool_->Peek(&b)) {
      cv_.wait_for(l, std::chrono::milliseconds(100), [this] { return stop_; });
      continue;
    }
    if (!from_spool) b = std::move(q_.front());
    l.unlock();
    if (fd_ < 0) {
      stats_->connects.Inc();
      if (!Connect()) {
        stats_->connect_failures.Inc();
        stats_->send_errors.Inc();
        backoff_ms_ = backoff_ms_ == 0 ? 100 : std::min(backoff_ms_ * 2, opts_.max_backoff_ms);
        l.lock();
        if (!from_spool) q_.front() = std::move(b);
        if (spool_) {
          down_ = true;
          spool_->Absorb(&q_);
        }
        // Back off without blocking Enqueue.
        cv_.wait_for(l, std::chrono::milliseconds(backoff_ms_), [this] { return stop_; });
        continue;
      }
    }
    bool sent = Write(b);
    if (sent && spool_ && dest_.transport == Transport::kUdp) sent = !UdpErrorPending(fd_);
    if (!sent && spool_) {  // store-and-forward: keep it, reconnect after a back-off
      stats_->send_errors.Inc();
      Disconnect();
      backoff_ms_ = backoff_ms_ == 0 ? 100 : std::min(backoff_ms_ * 2, opts_.max_backoff_ms);
      l.lock();
      if (!from_spool) q_.front() = std::move(b);
      down_ = true;
      spool_->Absorb(&q_);
      cv_.wait_for(l, std::chrono::milliseconds(backoff_ms_), [this] { return stop_; });
      continue;
    }
    bool give_up = sent;
    if (sent) {
      backoff_ms_ = 0;
      attempts = 0;
    } else {
      stats_->send_errors.Inc();
      // UDP errors (ICMP unreachable reported on the next send) keep the
      // socket and lose the datagram; TCP reconnects and retries it once.
      if (dest_.transport != Transport::kUdp) Disconnect();
      if (dest_.transport == Transport::kUdp || ++attempts >= 2) {
        stats_->send_dropped.Inc();
        stats_->send_dropped_write.Inc();
        attempts = 0;
        give_up = true;
      }
    }
    l.lock();
    if (give_up && from_spool) {
      spool_->Consume();
      down_ = false;
    } else if (give_up) {
      q_.pop_front();
      down_ = false;
    } else {
      q_.front() = std::move(b);
    }
    // Connected: producers may write their stages from now on, not only
    // from the loop's next turn (whoever sees this packet counted sees that).
    if (staging_ && fd_ >= 0) direct_fd_ = fd_;
    if (sent) stats_->sent.Inc();
  }
  if (staging_) {
    // Stopping: what the stages hold (up to kStageAge of traffic) and what
    // is queued still goes out while connected, each write bounded by the
    // send timeout; what does not is dropped below.
    CollectStages(&l, std::chrono::microseconds(0));
    waiting_writer_ = true;
    cv_.wait(l, [this] { return !WriteInProgress(); });  // producers' writes in progress
    waiting_writer_ = false;
    for (int i = 0; i < 64 && fd_ >= 0 && !q_.empty(); ++i) {
      if (dest_.transport == Transport::kUdp)
        SendUdpBatch(&l);
      else
        SendStreamBatch(&l);
    }
  }
  // With a spool the queue is kept on disk for the next start
  // (when the spool is empty; else it is older than the spool and dropped).
  if (spool_) spool_->Absorb(&q_);
  // What is still queued is dropped, and counted.
  stats_->send_dropped.Inc(static_cast<int64_t>(q_.size()));
  stats_->send_dropped_shutdown.Inc(static_cast<int64_t>(q_.size()));
  q_.clear();
}

}  // namespace sipcapd::hep
