// The BatchWriter's on-disk spool: an append-only file of checksummed,
// length-prefixed records (format in core/db/spool_format.h and
// doc/storage.md), plus a small position file recording how far replay got.
//
// Records are appended at the end and consumed in order from the read
// position. Open() validates every record after the read position and
// truncates the file at the first torn or corrupt one (a kill -9 mid-write),
// counting the bytes cut. When every record has been consumed the file is
// truncated to zero. The size bound counts the whole file.
//
// Thread-safety: all methods are guarded by an internal mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "core/base/status.h"

namespace sipcapd::db {

enum class FsyncPolicy { kNever, kPeriodic, kAlways };
Result<FsyncPolicy> ParseFsyncPolicy(std::string_view s);

class Spool {
 public:
  Spool() = default;
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Opens (creates) <dir>/<name>.spool and <dir>/<name>.pos.
  Status Open(const std::string& dir, const std::string& name, uint64_t max_bytes,
              FsyncPolicy policy);
  void Close();

  // Appends one record; kUnavailable if it would exceed the size bound.
  Status Append(std::string_view payload);
  // Copies the next unconsumed record into *out; false if none.
  bool Peek(std::string* out);
  // Marks the record returned by the last Peek as consumed.
  void Consume();
  // fsync of data and position (periodic policy: called by a timer).
  void Sync();

  bool empty();
  uint64_t file_bytes();
  uint64_t pending_bytes();
  uint64_t truncated_bytes() const { return truncated_bytes_; }
  uint64_t pending_records();

 private:
  Status WritePos();
  std::mutex mu_;
  int fd_ = -1;
  int pos_fd_ = -1;
  uint64_t max_bytes_ = 0;
  uint64_t size_ = 0;      // file size
  uint64_t read_pos_ = 0;  // first unconsumed record
  uint64_t peek_len_ = 0;  // total length of the last peeked record
  uint64_t records_ = 0;   // unconsumed records
  uint64_t truncated_bytes_ = 0;
  FsyncPolicy policy_ = FsyncPolicy::kPeriodic;
  bool dirty_ = false;
};

}  // namespace sipcapd::db
