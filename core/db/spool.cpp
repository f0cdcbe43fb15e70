#include "core/db/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/db/spool_format.h"

namespace sipcapd::db {
namespace {

uint32_t LeU32(const unsigned char* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
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

}  // namespace

Result<FsyncPolicy> ParseFsyncPolicy(std::string_view s) {
  if (s == "never" || s == "none" || s == "0") return FsyncPolicy::kNever;
  if (s == "periodic" || s == "1") return FsyncPolicy::kPeriodic;
  if (s == "always" || s == "2") return FsyncPolicy::kAlways;
  return Status::Invalid("spool fsync policy must be never, periodic or always");
}

Spool::~Spool() { Close(); }

void Spool::Close() {
  std::lock_guard<std::mutex> lk(mu_);
  if (fd_ >= 0) {
    if (policy_ != FsyncPolicy::kNever) fsync(fd_);
    close(fd_);
  }
  if (pos_fd_ >= 0) {
    if (policy_ != FsyncPolicy::kNever) fsync(pos_fd_);
    close(pos_fd_);
  }
  fd_ = pos_fd_ = -1;
}

Status Spool::Open(const std::string& dir, const std::string& name, uint64_t max_bytes,
                   FsyncPolicy policy) {
  std::lock_guard<std::mutex> lk(mu_);
  max_bytes_ = max_bytes;
  policy_ = policy;
  mkdir(dir.c_str(), 0750);
  std::string path = dir + "/" + name + ".spool";
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) return Status::Unavailable("spool: cannot open " + path + ": " + strerror(errno));
  std::string ppath = dir + "/" + name + ".pos";
  pos_fd_ = open(ppath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (pos_fd_ < 0) {
    return Status::Unavailable("spool: cannot open " + ppath + ": " + strerror(errno));
  }
  struct stat st;
  fstat(fd_, &st);
  size_ = static_cast<uint64_t>(st.st_size);
  read_pos_ = 0;
  unsigned char pb[12];
  if (ReadFull(pos_fd_, pb, 12, 0)) {
    uint64_t pos = uint64_t(LeU32(pb)) | uint64_t(LeU32(pb + 4)) << 32;
    if (Crc32c(pb, 8) == LeU32(pb + 8) && pos <= size_) read_pos_ = pos;
  }
  // Validate every record after the read position; cut at the first bad one.
  uint64_t off = read_pos_;
  records_ = 0;
  std::string buf;
  while (off < size_) {
    unsigned char h[kSpoolHeaderSize];
    if (size_ - off < kSpoolHeaderSize || !ReadFull(fd_, h, kSpoolHeaderSize, off)) break;
    uint32_t len = LeU32(h + 4);
    if (LeU32(h) != kSpoolMagic || len > kSpoolMaxRecord || size_ - off - kSpoolHeaderSize < len) {
      break;
    }
    buf.resize(len);
    if (!ReadFull(fd_, buf.data(), len, off + kSpoolHeaderSize)) break;
    if (Crc32c(buf.data(), len) != LeU32(h + 8)) break;
    off += kSpoolHeaderSize + len;
    ++records_;
  }
  if (off < size_) {
    truncated_bytes_ += size_ - off;
    if (ftruncate(fd_, static_cast<off_t>(off)) != 0) {
      return Status::Internal("spool: cannot truncate torn tail: " + std::string(strerror(errno)));
    }
    size_ = off;
  }
  if (records_ == 0 && size_ > 0) {  // everything consumed: start over
    if (ftruncate(fd_, 0) == 0) size_ = 0;
    read_pos_ = 0;
    return WritePos();
  }
  return Status::Ok();
}

Status Spool::WritePos() {
  unsigned char pb[12];
  PutLe(pb, read_pos_, 8);
  PutLe(pb + 8, Crc32c(pb, 8), 4);
  if (!WriteFull(pos_fd_, pb, 12, 0)) return Status::Internal("spool: cannot write position");
  if (policy_ == FsyncPolicy::kAlways) fdatasync(pos_fd_);
  dirty_ = true;
  return Status::Ok();
}

Status Spool::Append(std::string_view payload) {
  std::lock_guard<std::mutex> lk(mu_);
  if (fd_ < 0) return Status::Unavailable("spool not open");
  uint64_t total = kSpoolHeaderSize + payload.size();
  if (payload.size() > kSpoolMaxRecord || size_ + total > max_bytes_) {
    return Status::Unavailable("spool full");
  }
  std::string rec(kSpoolHeaderSize, '\0');
  auto* h = reinterpret_cast<unsigned char*>(rec.data());
  PutLe(h, kSpoolMagic, 4);
  PutLe(h + 4, payload.size(), 4);
  PutLe(h + 8, Crc32c(payload.data(), payload.size()), 4);
  rec.append(payload);
  if (!WriteFull(fd_, rec.data(), rec.size(), size_)) {
    // Cut a partial write so the file stays valid.
    if (ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      return Status::Internal("spool: write and truncate failed");
    }
    return Status::Unavailable("spool: write failed: " + std::string(strerror(errno)));
  }
  size_ += total;
  ++records_;
  if (policy_ == FsyncPolicy::kAlways) fdatasync(fd_);
  dirty_ = true;
  return Status::Ok();
}

bool Spool::Peek(std::string* out) {
  std::lock_guard<std::mutex> lk(mu_);
  if (fd_ < 0 || records_ == 0 || read_pos_ >= size_) return false;
  unsigned char h[kSpoolHeaderSize];
  if (!ReadFull(fd_, h, kSpoolHeaderSize, read_pos_)) return false;
  uint32_t len = LeU32(h + 4);
  out->resize(len);
  if (!ReadFull(fd_, out->data(), len, read_pos_ + kSpoolHeaderSize)) return false;
  peek_len_ = kSpoolHeaderSize + len;
  return true;
}

void Spool::Consume() {
  std::lock_guard<std::mutex> lk(mu_);
  if (peek_len_ == 0 || records_ == 0) return;
  read_pos_ += peek_len_;
  peek_len_ = 0;
  --records_;
  if (records_ == 0) {
    if (ftruncate(fd_, 0) == 0) {
      size_ = 0;
      read_pos_ = 0;
    }
  }
  WritePos();
}

void Spool::Sync() {
  std::lock_guard<std::mutex> lk(mu_);
  if (!dirty_ || fd_ < 0 || policy_ == FsyncPolicy::kNever) return;
  fdatasync(fd_);
  fdatasync(pos_fd_);
  dirty_ = false;
}

bool Spool::empty() {
  std::lock_guard<std::mutex> lk(mu_);
  return records_ == 0;
}
uint64_t Spool::file_bytes() {
  std::lock_guard<std::mutex> lk(mu_);
  return size_;
}
uint64_t Spool::pending_bytes() {
  std::lock_guard<std::mutex> lk(mu_);
  return size_ - read_pos_;
}
uint64_t Spool::pending_records() {
  std::lock_guard<std::mutex> lk(mu_);
  return records_;
}

}  // namespace sipcapd::db
