// FifoServer: the MI FIFO transport. Owns the request FIFO, reads requests
// of both forms (2.x text, 3.x JSON-RPC; see core/mi/mi_request.h), runs
// them through the MiDispatcher and writes each reply into the client's
// reply FIFO inside reply_dir.
//
// Robustness contract: a malformed request gets an error reply when its
// reply FIFO is known, else it is dropped; no input can make the server
// block forever: the reply FIFO is opened O_NONBLOCK with bounded retries,
// writes wait a bounded time for a client that does not read. The request
// FIFO is re-created when it is deleted or replaced, and removed by Close().
//
// Thread-safety: Open() and Close() on one thread (module init / destroy);
// Serve() on one background thread; Close() only after Serve() returned.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <string>

#include "core/base/status.h"
#include "core/mi/mi_dispatch.h"

namespace sipcapd::mi_fifo {

struct FifoOptions {
  std::string fifo_name = "/tmp/opensips_fifo";
  mode_t fifo_mode = 0660;
  uid_t uid = static_cast<uid_t>(-1);  // -1: inherited
  gid_t gid = static_cast<gid_t>(-1);
  std::string reply_dir = "/tmp/";
  std::string reply_indent = "\t";
  int open_retries = 10;  // reply FIFO not opened by the client yet
  std::chrono::milliseconds retry_wait{50};
  std::chrono::milliseconds write_timeout{1000};   // client that never reads
  std::chrono::milliseconds recheck_period{1000};  // FIFO deleted / replaced?
};

struct FifoCounters {
  uint64_t requests = 0;
  uint64_t malformed = 0;
  uint64_t replies_failed = 0;
};

class FifoServer {
 public:
  FifoServer(FifoOptions options, const MiDispatcher* dispatcher)
      : opts_(std::move(options)), dispatcher_(dispatcher) {}
  ~FifoServer();
  FifoServer(const FifoServer&) = delete;
  FifoServer& operator=(const FifoServer&) = delete;

  // Creates the FIFO (a stale FIFO at the path is removed; any other kind
  // of file is an error) with the configured mode and owner, and opens it.
  Status Open();
  // Serves until `stop` is set (checked at least every 200 ms).
  void Serve(const std::atomic<bool>& stop);
  // Closes the FIFO and removes it if it is still the one we created.
  void Close();

  // Handles the bytes of a stream buffer: runs every complete request and
  // removes it from `buf`. Public for tests.
  void ProcessBuffer(std::string& buf);

  const FifoCounters& counters() const { return counters_; }

 private:
  Status CreateAndOpen();
  void RecheckFifo();
  void Reply(const std::string& reply_fifo, const std::string& text);

  FifoOptions opts_;
  const MiDispatcher* dispatcher_;
  int read_fd_ = -1;
  int keep_fd_ = -1;  // our own writer: the read end never sees EOF
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  FifoCounters counters_;
  std::chrono::steady_clock::time_point last_malformed_log_{};
};

// Reads a mode written in octal digits ("0600", 600 or 0600 parsed as
// decimal 600 by the cfg): digits 0-7 are taken as octal. Error otherwise.
Result<mode_t> ParseFifoMode(const std::string& text);
// A user / group given by name or number.
Result<uid_t> ResolveUser(const std::string& name_or_id);
Result<gid_t> ResolveGroup(const std::string& name_or_id);

}  // namespace sipcapd::mi_fifo
