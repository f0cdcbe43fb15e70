// Per-destination HEP spool (contract in hep_dest_spool.h).
#include "modules/proto_hep/hep_dest_spool.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace sipcapd::hep {

std::string DestSpoolName(const std::string& dest_name) {
  std::string n = "hep_";
  for (char c : dest_name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    n.push_back(ok ? c : '_');
  }
  return n;
}

bool UdpErrorPending(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0;
}

Result<std::unique_ptr<HepDestSpool>> HepDestSpool::Open(const DestSpoolOptions& opts,
                                                         const std::string& dest_name,
                                                         HepStats* stats) {
  if (mkdir(opts.dir.c_str(), 0750) != 0 && errno != EEXIST)
    return Status::Internal("hep_spool_dir " + opts.dir + ": " + std::strerror(errno));
  std::unique_ptr<HepDestSpool> s(new HepDestSpool(stats));
  db::SpoolOptions so;
  so.max_bytes = opts.max_bytes;
  so.fsync = db::FsyncPolicy::kPeriodic;  // Sync() at most once a second, from Append
  Status st = s->spool_.Open(opts.dir, DestSpoolName(dest_name), so);
  if (!st.ok()) return st;
  return s;
}

bool HepDestSpool::Append(std::string_view bytes) {
  if (!spool_.Append(bytes).ok()) {
    stats_->spool_dropped.Inc();
    stats_->send_dropped.Inc();
    return false;
  }
  stats_->spooled.Inc();
  auto now = std::chrono::steady_clock::now();
  if (now - last_sync_ >= std::chrono::seconds(1)) {
    spool_.Sync();
    last_sync_ = now;
  }
  return true;
}

void HepDestSpool::Consume() {
  spool_.Consume();
  stats_->spool_replayed.Inc();
}

void HepDestSpool::Absorb(std::deque<std::string>* q) {
  if (!spool_.empty()) return;
  for (const std::string& b : *q) Append(b);
  q->clear();
}

}  // namespace sipcapd::hep
