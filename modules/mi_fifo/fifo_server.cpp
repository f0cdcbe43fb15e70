#include "modules/mi_fifo/fifo_server.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

#include "core/base/log.h"
#include "core/mi/mi_render.h"
#include "core/mi/mi_request.h"

namespace sipcapd::mi_fifo {

namespace {

constexpr const char* kMod = "mi_fifo";
constexpr size_t kReadChunk = 4096;

std::string Errno() { return std::strerror(errno); }

bool AllDigits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

Result<mode_t> ParseFifoMode(const std::string& text) {
  if (text.empty() || text.size() > 6) return Status::Invalid("bad fifo_mode '" + text + "'");
  mode_t m = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return Status::Invalid("fifo_mode must be octal, got '" + text + "'");
    m = static_cast<mode_t>(m * 8 + (c - '0'));
  }
  if (m > 0777) return Status::Invalid("fifo_mode out of range: '" + text + "'");
  return m;
}

Result<uid_t> ResolveUser(const std::string& s) {
  if (AllDigits(s)) return static_cast<uid_t>(std::stoul(s));
  std::vector<char> buf(16384);
  passwd pw{}, *res = nullptr;
  if (getpwnam_r(s.c_str(), &pw, buf.data(), buf.size(), &res) != 0 || !res)
    return Status::NotFound("unknown user '" + s + "'");
  return pw.pw_uid;
}

Result<gid_t> ResolveGroup(const std::string& s) {
  if (AllDigits(s)) return static_cast<gid_t>(std::stoul(s));
  std::vector<char> buf(16384);
  group gr{}, *res = nullptr;
  if (getgrnam_r(s.c_str(), &gr, buf.data(), buf.size(), &res) != 0 || !res)
    return Status::NotFound("unknown group '" + s + "'");
  return gr.gr_gid;
}

FifoServer::~FifoServer() { Close(); }

Status FifoServer::Open() {
  if (opts_.fifo_name.empty()) return Status::Invalid("no fifo configured");
  if (!opts_.reply_dir.empty() && opts_.reply_dir.back() != '/') opts_.reply_dir.push_back('/');
  return CreateAndOpen();
}

Status FifoServer::CreateAndOpen() {
  const char* path = opts_.fifo_name.c_str();
  struct stat st {};
  if (lstat(path, &st) == 0) {
    if (!S_ISFIFO(st.st_mode))
      return Status::Exists("'" + opts_.fifo_name + "' exists and is not a FIFO");
    LOG_INFO(kMod, "removing stale FIFO %s", path);
    if (unlink(path) != 0) return Status::Unavailable("cannot remove stale FIFO: " + Errno());
  }
  if (mkfifo(path, opts_.fifo_mode) != 0)
    return Status::Unavailable("cannot create FIFO '" + opts_.fifo_name + "': " + Errno());
  if (chmod(path, opts_.fifo_mode) != 0)
    return Status::Unavailable("cannot chmod FIFO '" + opts_.fifo_name + "': " + Errno());
  if ((opts_.uid != static_cast<uid_t>(-1) || opts_.gid != static_cast<gid_t>(-1)) &&
      chown(path, opts_.uid, opts_.gid) != 0)
    return Status::Unavailable("cannot chown FIFO '" + opts_.fifo_name + "': " + Errno());
  read_fd_ = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (read_fd_ < 0) return Status::Unavailable("cannot open FIFO for reading: " + Errno());
  keep_fd_ = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (keep_fd_ < 0) return Status::Unavailable("cannot open FIFO for writing: " + Errno());
  if (fstat(read_fd_, &st) != 0) return Status::Unavailable("fstat FIFO: " + Errno());
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  return Status::Ok();
}

void FifoServer::Close() {
  if (read_fd_ >= 0) {
    struct stat st {};
    if (lstat(opts_.fifo_name.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
      unlink(opts_.fifo_name.c_str());
  }
  if (read_fd_ >= 0) close(read_fd_);
  if (keep_fd_ >= 0) close(keep_fd_);
  read_fd_ = keep_fd_ = -1;
}

void FifoServer::RecheckFifo() {
  struct stat st {};
  if (lstat(opts_.fifo_name.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) return;
  LOG_WARN(kMod, "FIFO %s was deleted or replaced; re-creating it", opts_.fifo_name.c_str());
  if (read_fd_ >= 0) close(read_fd_);
  if (keep_fd_ >= 0) close(keep_fd_);
  read_fd_ = keep_fd_ = -1;
  Status s = CreateAndOpen();
  if (!s.ok()) LOG_ERR(kMod, "cannot re-create FIFO: %s", s.message().c_str());
}

void FifoServer::Serve(const std::atomic<bool>& stop) {
  std::string buf;
  auto last_check = std::chrono::steady_clock::now();
  char chunk[kReadChunk];
  while (!stop.load()) {
    auto now = std::chrono::steady_clock::now();
    if (read_fd_ < 0 || now - last_check >= opts_.recheck_period) {
      last_check = now;
      RecheckFifo();
      if (read_fd_ < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
    }
    pollfd pfd{read_fd_, POLLIN, 0};
    int n = poll(&pfd, 1, 200);
    if (n <= 0) continue;
    ssize_t got = read(read_fd_, chunk, sizeof(chunk));
    if (got > 0) {
      buf.append(chunk, static_cast<size_t>(got));
      ProcessBuffer(buf);
    } else if (got < 0 && errno != EAGAIN && errno != EINTR) {
      LOG_ERR(kMod, "read from FIFO failed: %s", Errno().c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

void FifoServer::ProcessBuffer(std::string& buf) {
  while (!buf.empty()) {
    mi::FrameResult fr = mi::NextFifoRequest(buf);
    if (fr.state == mi::FrameState::kNeedMore) {
      buf.erase(0, fr.consumed);
      return;
    }
    buf.erase(0, fr.consumed);
    const mi::FifoFrame& f = fr.frame;
    if (fr.state == mi::FrameState::kMalformed) {
      ++counters_.malformed;
      auto now = std::chrono::steady_clock::now();
      if (now - last_malformed_log_ >= std::chrono::seconds(1)) {  // rate-limited
        last_malformed_log_ = now;
        LOG_WARN(kMod, "malformed MI request dropped: %s (%llu so far)", fr.error.c_str(),
                 static_cast<unsigned long long>(counters_.malformed));
      }
      if (!fr.header_ok || f.reply_fifo.empty()) continue;
      if (f.proto == mi::FifoProto::kJsonRpc)
        Reply(f.reply_fifo,
              mi::RenderJsonRpcError(mi::kJsonParseError, "Parse error", fr.error, nullptr));
      else
        Reply(f.reply_fifo,
              mi::RenderText(MiResult::Error(400, "Parse error in command '" + f.command + "'"),
                             opts_.reply_indent));
      continue;
    }
    ++counters_.requests;
    if (f.proto == mi::FifoProto::kText) {
      std::string out = dispatcher_->HandleText(f.command, f.body, opts_.reply_indent, "fifo");
      if (!f.reply_fifo.empty()) Reply(f.reply_fifo, out);
    } else {
      bool want = false;
      std::string out = dispatcher_->HandleJsonRpc(f.body, &want, false, "fifo");
      if (want && !f.reply_fifo.empty()) Reply(f.reply_fifo, out);
    }
  }
}

void FifoServer::Reply(const std::string& reply_fifo, const std::string& text) {
  // A reader that closes early must not kill the process: SIGPIPE from our
  // own write() is delivered to this thread, where it stays blocked.
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, nullptr);
  std::string path = opts_.reply_dir + reply_fifo;
  int fd = -1;
  for (int attempt = 0; attempt <= opts_.open_retries; ++attempt) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      break;  // clients create the reply FIFO before they write the request
    } else if (!S_ISFIFO(st.st_mode) || st.st_nlink != 1) {
      LOG_WARN(kMod, "reply FIFO %s is not a plain FIFO; not replying", path.c_str());
      ++counters_.replies_failed;
      return;
    } else {
      fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        struct stat fst {};
        if (fstat(fd, &fst) != 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino) {
          close(fd);
          fd = -1;
          LOG_WARN(kMod, "reply FIFO %s changed while opening; not replying", path.c_str());
          ++counters_.replies_failed;
          return;
        }
        break;
      }
      if (errno != ENXIO && errno != EINTR) break;  // ENXIO: client has not opened it yet
    }
    if (attempt < opts_.open_retries) std::this_thread::sleep_for(opts_.retry_wait);
  }
  if (fd < 0) {
    LOG_WARN(kMod, "cannot open reply FIFO %s: %s", path.c_str(), Errno().c_str());
    ++counters_.replies_failed;
    return;
  }
  size_t off = 0;
  auto deadline = std::chrono::steady_clock::now() + opts_.write_timeout;
  while (off < text.size()) {
    ssize_t w = write(fd, text.data() + off, text.size() - off);
    if (w > 0) {
      off += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno != EAGAIN && errno != EINTR) break;  // EPIPE: the client went away
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd, POLLOUT, 0};
    poll(&pfd, 1, static_cast<int>(left.count()));
  }
  close(fd);
  if (off < text.size()) {
    LOG_WARN(kMod, "reply to %s incomplete (%zu of %zu bytes)", path.c_str(), off, text.size());
    ++counters_.replies_failed;
  }
  // A client that went away made write() fail with EPIPE; consume the
  // (blocked) SIGPIPE it raised on this thread.
  timespec zero{0, 0};
  while (sigtimedwait(&pipe_set, nullptr, &zero) == SIGPIPE) {
  }
}

}  // namespace sipcapd::mi_fifo
