// sipcapd: the server executable. OpenSIPS-style command line.
#include <getopt.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#ifdef SIPCAPD_JEMALLOC
#include <jemalloc/jemalloc.h>
// jemalloc's built-in options (MALLOC_CONF in the environment overrides
// them). background_thread: freed pages are purged (madvise) by jemalloc's
// own thread in batches instead of by whichever worker frees: a traced
// proxy at 1200 calls/s used 4-12 us less CPU a call with it (the
// background thread's CPU included; session 7, doc/benchmarks.md).
extern "C" const char* malloc_conf;
const char* malloc_conf = "background_thread:true";
#else
#include <gnu/libc-version.h>
#endif

#include "core/app/server.h"
#include "core/base/log.h"
#include "core/module/module_api.h"

namespace {

void Usage(FILE* out) {
  std::fprintf(out,
               "Usage: sipcapd [options]\n"
               "  -f FILE   configuration file (default: /etc/sipcapd/sipcapd.cfg)\n"
               "  -c        check the configuration file and exit (0 = valid)\n"
               "  -F        run in the foreground (no daemon)\n"
               "  -D        same as -F (OpenSIPS: do not fork)\n"
               "  -E        log to stderr\n"
               "  -d        more debug output (repeatable)\n"
               "  -P FILE   write the pid to FILE\n"
               "  -V        print version and build information\n"
               "  -h        this help\n");
}

bool Daemonize() {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (setsid() < 0) return false;
  pid = fork();
  if (pid < 0) return false;
  if (pid > 0) _exit(0);
  if (!freopen("/dev/null", "r", stdin)) return false;
  if (!freopen("/dev/null", "w", stdout)) return false;
  return true;
}

// "jemalloc 5.3.0-0-g54eaed1d..." or "glibc 2.36": the malloc this
// executable was linked with (SIPCAPD_MALLOC).
std::string MallocName() {
#ifdef SIPCAPD_JEMALLOC
  const char* v = nullptr;
  size_t len = sizeof(v);
  if (mallctl("version", &v, &len, nullptr, 0) != 0 || !v) v = "?";
  bool bg = false;
  len = sizeof(bg);
  if (mallctl("background_thread", &bg, &len, nullptr, 0) != 0) bg = false;
  return std::string("jemalloc ") + v + (bg ? " (background_thread)" : "");
#else
  return std::string("glibc ") + gnu_get_libc_version();
#endif
}

// A forked child has none of jemalloc's background threads (only the
// forking thread survives fork) and jemalloc marks them off there: the
// daemon switches them on again when the options asked for them.
void RestartMallocThreads() {
#ifdef SIPCAPD_JEMALLOC
  bool want = false;
  size_t len = sizeof(want);
  if (mallctl("opt.background_thread", &want, &len, nullptr, 0) != 0 || !want) return;
  if (mallctl("background_thread", nullptr, nullptr, &want, sizeof(want)) != 0)
    std::fprintf(stderr, "sipcapd: cannot restart jemalloc's background threads\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  sipcapd::ServerOptions opts;
  opts.cfg_path = "/etc/sipcapd/sipcapd.cfg";
  int c;
  while ((c = getopt(argc, argv, "f:cFDEdP:Vhw:")) != -1) {
    switch (c) {
      case 'f': opts.cfg_path = optarg; break;
      case 'c': opts.check_only = true; break;
      case 'F':
      case 'D': opts.foreground = true; break;
      case 'E': opts.log_stderr = true; break;
      case 'd': ++opts.debug_inc; break;
      case 'P': opts.pid_file = optarg; break;
      case 'w': break;  // OpenSIPS working dir: accepted, ignored
      case 'V':
        std::printf("version: sipcapd %s\nbuild: %s\nabi: %u\nmalloc: %s\n", SIPCAPD_VERSION,
                    sipcapd::kBuildSignature, sipcapd::kAbiVersion, MallocName().c_str());
        return 0;
      case 'h': Usage(stdout); return 0;
      default: Usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "sipcapd: unexpected argument '%s'\n", argv[optind]);
    Usage(stderr);
    return 2;
  }
#if defined(__GLIBC__) && !defined(SIPCAPD_JEMALLOC)
  // glibc hands a freed heap top back to the kernel once it passes 128 KB
  // (per-thread arenas shrink the same way), so a server that frees and
  // allocates in waves faults the same pages in again and again: a perf
  // profile of the proxy showed ~4 us a call in sysmalloc page faults.
  // Keep up to 64 MB of free heap, grow it 4 MB at a time; allocations of
  // 1 MB and more still get their own mapping.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 4 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  // Until the cfg says otherwise, log to stderr (cfg errors must be seen).
  sipcapd::Log::UseStderr(true);
  if (opts.debug_inc) sipcapd::Log::set_level(sipcapd::kLogNotice + opts.debug_inc);

  sipcapd::Server server;
  sipcapd::Status st = server.Load(opts);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    std::fprintf(stderr, "sipcapd: bad configuration file %s\n", opts.cfg_path.c_str());
    return 1;
  }
  if (opts.check_only) {
    std::fprintf(stderr, "config file ok, exiting...\n");
    return 0;
  }
  bool fg = opts.foreground || server.settings().debug_mode;
  if (!fg && !Daemonize()) {
    std::fprintf(stderr, "sipcapd: cannot daemonize\n");
    return 1;
  }
  if (!fg) RestartMallocThreads();
  st = server.Start();
  if (!st.ok()) {
    LOG_ERR("core", "startup failed: %s", st.message().c_str());
    server.Shutdown();
    return 1;
  }
  server.WaitForSignal();
  server.Shutdown();
  return 0;
}
