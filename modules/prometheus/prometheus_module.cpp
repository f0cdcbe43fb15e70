// prometheus: serves the statistics registry as Prometheus metrics on
// GET http://<http_ip>:<http_port>/metrics (loopback by default). Logic in
// metrics_format.cpp and metrics_http.cpp; doc/mi.md#prometheus.
#include <memory>
#include <string>

#include "core/base/log.h"
#include "core/module/module_api.h"
#include "modules/prometheus/metrics_format.h"
#include "modules/prometheus/metrics_http.h"

namespace sipcapd::prometheus {
namespace {

struct State {
  std::string http_ip = "127.0.0.1";
  int64_t http_port = 8888;
  std::string prefix = "sipcapd";
  StatsRegistry* stats = nullptr;
  std::unique_ptr<MetricsHttpServer> server;
};

Status Init(State& st, Registrar& reg) {
  if (st.http_port < 0 || st.http_port > 65535)
    return Status::Invalid("http_port out of range: " + std::to_string(st.http_port));
  st.stats = &reg.stats();
  State* s = &st;
  st.server = std::make_unique<MetricsHttpServer>(
      [s] { return RenderMetrics(s->stats->All(), s->prefix); });
  SIPCAPD_RETURN_IF_ERROR(st.server->Open(st.http_ip, static_cast<uint16_t>(st.http_port)));
  LOG_INFO("prometheus", "metrics on http://%s:%u/metrics", st.http_ip.c_str(),
           static_cast<unsigned>(st.server->port()));
  return Status::Ok();
}

ModuleExports* Create() {
  auto st = std::make_shared<State>();
  State* s = st.get();
  auto* m = new ModuleExports;
  m->name = "prometheus";
  m->params = {StrParam("http_ip", &s->http_ip), IntParam("http_port", &s->http_port),
               StrParam("prefix", &s->prefix)};
  m->init = [s](Registrar& reg) { return Init(*s, reg); };
  m->procs = {{"HTTP metrics", 1, [s](int, const std::atomic<bool>& stop) {
                 if (s->server) s->server->Serve(stop);
               }}};
  m->destroy = [s] {
    if (s->server) s->server->Close();
  };
  m->state = st;
  return m;
}

}  // namespace
}  // namespace sipcapd::prometheus

SIPCAPD_MODULE("prometheus", ::sipcapd::prometheus::Create);
