#include "core/db/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/db/spool_format.h"

namespace sipcapd::db {
namespace {

constexpr size_t kPosSize = 20;        // u64 seq, u64 offset, u32 crc
constexpr size_t kLegacyPosSize = 12;  // u64 offset, u32 crc

uint32_t LeU32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
uint64_t LeU64(const unsigned char* p) { return uint64_t(LeU32(p)) | uint64_t(LeU32(p + 4)) << 32; }
void PutLe(unsigned char* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
bool ReadFull(int fd, void* buf, size_t n, uint64_t off) {
  auto* p = static_cast<char*>(buf);
  while (n) {
    ssize_t r = pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= r;
    off += r;
  }
  return true;
}
bool WriteFull(int fd, const void* buf, size_t n, uint64_t off) {
  auto* p = static_cast<const char*>(buf);
  while (n) {
    ssize_t r = pwrite(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= r;
    off += r;
  }
  return true;
}
void SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}
uint64_t FileSize(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}
// Sequence numbers of "<name>.spool.<10 digits>" files in `dir`, ascending.
std::vector<uint64_t> ListSegments(const std::string& dir, const std::string& name) {
  std::vector<uint64_t> out;
  std::string prefix = name + ".spool.";
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string_view f(e->d_name);
    if (f.size() != prefix.size() + 10 || f.substr(0, prefix.size()) != prefix) continue;
    std::string_view digits = f.substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    out.push_back(std::stoull(std::string(digits)));
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view s) {
  if (s == "never" || s == "none" || s == "0") return FsyncPolicy::kNever;
  if (s == "periodic" || s == "1") return FsyncPolicy::kPeriodic;
  if (s == "always" || s == "2") return FsyncPolicy::kAlways;
  return Status::Invalid("spool fsync policy must be never, periodic or always");
}

Spool::~Spool() { Close(); }

std::string Spool::SegPath(uint64_t seq) const {
  char num[16];
  snprintf(num, sizeof(num), "%010llu", static_cast<unsigned long long>(seq));
  return dir_ + "/" + name_ + ".spool." + num;
}

void Spool::Close() {
  std::lock_guard<std::mutex> lk(mu_);
  bool sync = opts_.fsync != FsyncPolicy::kNever;
  if (head_fd_ >= 0 && head_fd_ != tail_fd_) close(head_fd_);
  if (tail_fd_ >= 0) {
    if (sync) fsync(tail_fd_);
    close(tail_fd_);
  }
  if (pos_fd_ >= 0) {
    if (sync) fsync(pos_fd_);
    close(pos_fd_);
  }
  head_fd_ = tail_fd_ = pos_fd_ = -1;
  segs_.clear();
}

Status Spool::Open(const std::string& dir, const std::string& name, uint64_t max_bytes,
                   FsyncPolicy policy) {
  SpoolOptions o;
  o.max_bytes = max_bytes;
  o.fsync = policy;
  return Open(dir, name, o);
}

Status Spool::ScanSegment(Segment* seg, uint64_t from, uint64_t* records) {
  std::string path = SegPath(seg->seq);
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("spool: cannot open " + path + ": " + strerror(errno));
  seg->size = FileSize(fd);
  uint64_t off = from;
  std::string buf;
  while (off < seg->size) {
    unsigned char h[kSpoolHeaderSize];
    if (seg->size - off < kSpoolHeaderSize || !ReadFull(fd, h, kSpoolHeaderSize, off)) break;
    uint32_t len = LeU32(h + 4);
    if (LeU32(h) != kSpoolMagic || len > kSpoolMaxRecord ||
        seg->size - off - kSpoolHeaderSize < len) {
      break;
    }
    buf.resize(len);
    if (!ReadFull(fd, buf.data(), len, off + kSpoolHeaderSize)) break;
    if (Crc32c(buf.data(), len) != LeU32(h + 8)) break;
    off += kSpoolHeaderSize + len;
    ++*records;
  }
  Status st = Status::Ok();
  if (off < seg->size) {
    truncated_bytes_ += seg->size - off;
    if (ftruncate(fd, static_cast<off_t>(off)) != 0) {
      st = Status::Internal("spool: cannot truncate torn tail of " + path + ": " + strerror(errno));
    } else {
      seg->size = off;
    }
  }
  close(fd);
  return st;
}

Status Spool::Open(const std::string& dir, const std::string& name, const SpoolOptions& opts) {
  std::lock_guard<std::mutex> lk(mu_);
  dir_ = dir;
  name_ = name;
  opts_ = opts;
  if (opts_.segment_bytes == 0) {
    opts_.segment_bytes = std::clamp<uint64_t>(opts_.max_bytes / 16, 64u << 10, 64u << 20);
  }
  mkdir(dir.c_str(), 0750);
  std::string ppath = dir + "/" + name + ".pos";
  pos_fd_ = open(ppath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (pos_fd_ < 0) {
    return Status::Unavailable("spool: cannot open " + ppath + ": " + strerror(errno));
  }
  uint64_t pseq = 0, poff = 0;
  unsigned char pb[kPosSize];
  uint64_t psize = FileSize(pos_fd_);
  if (psize >= kPosSize && ReadFull(pos_fd_, pb, kPosSize, 0) && Crc32c(pb, 16) == LeU32(pb + 16)) {
    pseq = LeU64(pb);
    poff = LeU64(pb + 8);
  } else if (psize == kLegacyPosSize && ReadFull(pos_fd_, pb, kLegacyPosSize, 0) &&
             Crc32c(pb, 8) == LeU32(pb + 8)) {
    poff = LeU64(pb);
  }
  std::vector<uint64_t> seqs = ListSegments(dir, name);
  std::string legacy = dir + "/" + name + ".spool";
  if (seqs.empty() && access(legacy.c_str(), F_OK) == 0) {
    if (rename(legacy.c_str(), SegPath(pseq).c_str()) != 0) {
      return Status::Unavailable("spool: cannot adopt " + legacy + ": " + strerror(errno));
    }
    seqs.push_back(pseq);
  }
  // Segments before the position were consumed (crash before their unlink).
  for (uint64_t s : seqs) {
    if (s < pseq) unlink(SegPath(s).c_str());
  }
  seqs.erase(std::remove_if(seqs.begin(), seqs.end(), [&](uint64_t s) { return s < pseq; }),
             seqs.end());
  segs_.clear();
  records_ = 0;
  total_ = 0;
  read_pos_ = 0;
  for (uint64_t s : seqs) {
    Segment seg{s, 0};
    uint64_t from = 0;
    if (s == pseq && segs_.empty()) {
      int fd = open(SegPath(s).c_str(), O_RDONLY | O_CLOEXEC);
      uint64_t size = fd >= 0 ? FileSize(fd) : 0;
      if (fd >= 0) close(fd);
      if (poff <= size) from = read_pos_ = poff;  // else: replay it all (at-least-once)
    }
    SIPCAPD_RETURN_IF_ERROR(ScanSegment(&seg, from, &records_));
    segs_.push_back(seg);
    total_ += seg.size;
  }
  if (segs_.empty()) segs_.push_back({pseq, 0});
  // Fully consumed (or emptied by truncation) older segments go away.
  while (segs_.size() > 1 && read_pos_ >= segs_.front().size) {
    total_ -= segs_.front().size;
    unlink(SegPath(segs_.front().seq).c_str());
    segs_.pop_front();
    read_pos_ = 0;
  }
  tail_fd_ = open(SegPath(segs_.back().seq).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (tail_fd_ < 0) {
    return Status::Unavailable("spool: cannot open " + SegPath(segs_.back().seq) + ": " +
                               strerror(errno));
  }
  head_fd_ = tail_fd_;
  if (segs_.size() > 1) {
    head_fd_ = open(SegPath(segs_.front().seq).c_str(), O_RDWR | O_CLOEXEC);
    if (head_fd_ < 0) {
      return Status::Unavailable("spool: cannot open " + SegPath(segs_.front().seq) + ": " +
                                 strerror(errno));
    }
  }
  if (records_ == 0) {  // everything consumed: start over
    if (ftruncate(tail_fd_, 0) == 0) {
      total_ -= segs_.back().size;
      segs_.back().size = 0;
    }
    read_pos_ = 0;
  }
  return WritePos();
}

Status Spool::WritePos() {
  unsigned char pb[kPosSize];
  PutLe(pb, segs_.front().seq, 8);
  PutLe(pb + 8, read_pos_, 8);
  PutLe(pb + 16, Crc32c(pb, 16), 4);
  if (!WriteFull(pos_fd_, pb, kPosSize, 0)) return Status::Internal("spool: cannot write position");
  if (opts_.fsync == FsyncPolicy::kAlways) fdatasync(pos_fd_);
  dirty_ = true;
  return Status::Ok();
}

Status Spool::OpenTail() {
  uint64_t seq = segs_.back().seq + 1;
  std::string path = SegPath(seq);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Status::Unavailable("spool: cannot create " + path + ": " + strerror(errno));
  if (tail_fd_ != head_fd_) {
    if (opts_.fsync != FsyncPolicy::kNever) fdatasync(tail_fd_);
    close(tail_fd_);
  }
  tail_fd_ = fd;
  segs_.push_back({seq, 0});
  if (opts_.fsync == FsyncPolicy::kAlways) SyncDir(dir_);
  return Status::Ok();
}

Status Spool::Append(std::string_view payload) {
  std::lock_guard<std::mutex> lk(mu_);
  if (tail_fd_ < 0) return Status::Unavailable("spool not open");
  uint64_t total = kSpoolHeaderSize + payload.size();
  if (payload.size() > kSpoolMaxRecord || total_ + total > opts_.max_bytes) {
    return Status::Unavailable("spool full");
  }
  Segment& tail = segs_.back();
  if (tail.size > 0 && tail.size + total > opts_.segment_bytes) {
    SIPCAPD_RETURN_IF_ERROR(OpenTail());
  }
  Segment& seg = segs_.back();
  std::string rec(kSpoolHeaderSize, '\0');
  auto* h = reinterpret_cast<unsigned char*>(rec.data());
  PutLe(h, kSpoolMagic, 4);
  PutLe(h + 4, payload.size(), 4);
  PutLe(h + 8, Crc32c(payload.data(), payload.size()), 4);
  rec.append(payload);
  if (!WriteFull(tail_fd_, rec.data(), rec.size(), seg.size)) {
    int err = errno;
    // Cut a partial write so the file stays valid.
    if (ftruncate(tail_fd_, static_cast<off_t>(seg.size)) != 0) {
      return Status::Internal("spool: write and truncate failed");
    }
    return Status::Unavailable("spool: write failed: " + std::string(strerror(err)));
  }
  seg.size += total;
  total_ += total;
  ++records_;
  if (opts_.fsync == FsyncPolicy::kAlways) fdatasync(tail_fd_);
  dirty_ = true;
  return Status::Ok();
}

bool Spool::Peek(std::string* out) {
  std::lock_guard<std::mutex> lk(mu_);
  if (head_fd_ < 0 || records_ == 0 || read_pos_ >= segs_.front().size) return false;
  unsigned char h[kSpoolHeaderSize];
  if (!ReadFull(head_fd_, h, kSpoolHeaderSize, read_pos_)) return false;
  uint32_t len = LeU32(h + 4);
  out->resize(len);
  if (!ReadFull(head_fd_, out->data(), len, read_pos_ + kSpoolHeaderSize)) return false;
  peek_len_ = kSpoolHeaderSize + len;
  return true;
}

void Spool::DropHeadLocked() {
  Segment old = segs_.front();
  segs_.pop_front();
  read_pos_ = 0;
  WritePos();  // the position moves on before the file goes (crash-safe order)
  close(head_fd_);
  unlink(SegPath(old.seq).c_str());
  if (opts_.fsync == FsyncPolicy::kAlways) SyncDir(dir_);
  total_ -= old.size;
  if (segs_.size() == 1) {
    head_fd_ = tail_fd_;
  } else {
    head_fd_ = open(SegPath(segs_.front().seq).c_str(), O_RDWR | O_CLOEXEC);
  }
}

void Spool::Consume() {
  std::lock_guard<std::mutex> lk(mu_);
  if (peek_len_ == 0 || records_ == 0) return;
  read_pos_ += peek_len_;
  peek_len_ = 0;
  --records_;
  while (segs_.size() > 1 && read_pos_ >= segs_.front().size) DropHeadLocked();
  if (records_ == 0 && segs_.size() == 1 && ftruncate(tail_fd_, 0) == 0) {
    total_ -= segs_.back().size;
    segs_.back().size = 0;
    read_pos_ = 0;
  }
  WritePos();
}

void Spool::Sync() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!dirty_ || tail_fd_ < 0 || opts_.fsync == FsyncPolicy::kNever) return;
  fdatasync(tail_fd_);
  fdatasync(pos_fd_);
  dirty_ = false;
}

bool Spool::empty() {
  std::lock_guard<std::mutex> lk(mu_);
  return records_ == 0;
}
uint64_t Spool::file_bytes() {
  std::lock_guard<std::mutex> lk(mu_);
  return total_;
}
uint64_t Spool::pending_bytes() {
  std::lock_guard<std::mutex> lk(mu_);
  return total_ - read_pos_;
}
uint64_t Spool::pending_records() {
  std::lock_guard<std::mutex> lk(mu_);
  return records_;
}
size_t Spool::segment_count() {
  std::lock_guard<std::mutex> lk(mu_);
  return segs_.size();
}
std::vector<std::string> Spool::segment_paths() {
  std::lock_guard<std::mutex> lk(mu_);
  std::vector<std::string> out;
  for (const auto& s : segs_) out.push_back(SegPath(s.seq));
  return out;
}

}  // namespace sipcapd::db
