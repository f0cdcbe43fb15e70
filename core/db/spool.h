// An on-disk FIFO of checksummed, length-prefixed records (format in
// core/db/spool_format.h and doc/storage.md), used by the BatchWriter and by
// senders that store-and-forward (e.g. the HEP sender's per-destination
// spool). Records are opaque payloads.
//
// Layout: segment files <dir>/<name>.spool.<seq> (seq: 10 decimal digits,
// increasing) plus a position file <dir>/<name>.pos recording how far replay
// got (segment seq + offset, checksummed).
//   - Append writes at the end of the newest segment; when that segment
//     already holds data and would grow past segment_bytes, a new segment is
//     started (a record larger than segment_bytes gets a segment of its own).
//   - Peek/Consume read in append order from the position. When every record
//     of a segment other than the newest is consumed, the position moves to
//     the next segment and the consumed file is deleted: disk space is given
//     back while a long backlog replays. When everything is consumed the
//     newest segment is truncated to zero.
//   - The size bound (max_bytes) counts the bytes of every segment file.
//   - Open() deletes segments before the recorded position, validates every
//     record after it and cuts each segment at its first torn or corrupt
//     record (a kill -9 or power loss mid-write), counting the bytes cut;
//     later segments are kept, so replay order is preserved.
//   - fsync policy: kAlways fdatasyncs each append and position update;
//     kPeriodic leaves it to Sync() (called by the owner's timer); kNever
//     never syncs. The position is written before a segment is deleted.
//   - A legacy single-file spool (<name>.spool with a 12-byte <name>.pos)
//     is adopted as the first segment.
//
// Thread-safety: all methods are guarded by an internal mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace sipcapd::db {

enum class FsyncPolicy { kNever, kPeriodic, kAlways };
Result<FsyncPolicy> ParseFsyncPolicy(std::string_view s);

struct SpoolOptions {
  uint64_t max_bytes = 1ull << 30;  // bound on the bytes of all segment files
  FsyncPolicy fsync = FsyncPolicy::kPeriodic;
  // Rotate segments at this size; 0: max_bytes / 16 clamped to [64 KiB, 64 MiB].
  uint64_t segment_bytes = 0;
};

class Spool {
 public:
  Spool() = default;
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Opens (creates) the spool <dir>/<name>.* (see above).
  Status Open(const std::string& dir, const std::string& name, const SpoolOptions& opts);
  // Same with the default segment size.
  Status Open(const std::string& dir, const std::string& name, uint64_t max_bytes,
              FsyncPolicy policy);
  void Close();

  // Appends one record; kUnavailable if it would exceed the size bound.
  Status Append(std::string_view payload);
  // Copies the next unconsumed record into *out; false if none.
  bool Peek(std::string* out);
  // Marks the record returned by the last Peek as consumed (and deletes its
  // segment once every record of it is consumed).
  void Consume();
  // fsync of data and position (periodic policy: called by a timer).
  void Sync();

  bool empty();
  uint64_t file_bytes();  // bytes of all segment files (what the bound counts)
  uint64_t pending_bytes();
  uint64_t truncated_bytes() const { return truncated_bytes_; }
  uint64_t pending_records();
  size_t segment_count();
  // Path of every segment file, oldest first (for tests and tools).
  std::vector<std::string> segment_paths();

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t size = 0;
  };
  std::string SegPath(uint64_t seq) const;
  Status WritePos();
  Status OpenTail();
  Status ScanSegment(Segment* seg, uint64_t from, uint64_t* records);
  void DropHeadLocked();

  std::mutex mu_;
  std::string dir_, name_;
  SpoolOptions opts_;
  std::deque<Segment> segs_;  // oldest first; never empty while open
  int tail_fd_ = -1;          // newest segment
  int head_fd_ = -1;          // oldest segment (== tail_fd_ when one)
  int pos_fd_ = -1;
  uint64_t total_ = 0;     // bytes of all segments
  uint64_t read_pos_ = 0;  // offset of the first unconsumed record in the head
  uint64_t peek_len_ = 0;  // total length of the last peeked record
  uint64_t records_ = 0;   // unconsumed records
  uint64_t truncated_bytes_ = 0;
  bool dirty_ = false;
};

}  // namespace sipcapd::db
