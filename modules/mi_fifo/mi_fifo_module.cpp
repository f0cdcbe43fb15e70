// mi_fifo: the FIFO MI transport (OpenSIPS 2.4 text protocol used by
// `opensipsctl fifo`, and the 3.x JSON-RPC form). Logic: fifo_server.cpp;
// this file holds the parameter adapters and the export table.
// doc/modules/mi_fifo.md lists the deliberate differences from OpenSIPS.
#include <memory>
#include <string>

#include "core/base/log.h"
#include "core/mi/mi_dispatch.h"
#include "core/module/module_api.h"
#include "modules/mi_fifo/fifo_server.h"

namespace sipcapd::mi_fifo {
namespace {

struct State {
  FifoOptions opts;
  std::string mode_text;  // as configured, resolved at init
  std::string user;
  std::string group;
  int64_t pretty = 0;  // 3.x pretty_printing: accepted, replies stay compact
  std::unique_ptr<FifoServer> server;
};

std::string AsText(const Value& v) {
  return v.is_int() ? std::to_string(v.int_value()) : v.str_value();
}

ParamExport TextParam(const std::string& name, std::string* dst) {
  return {name, ParamType::kIntOrStr, false, [dst](const Value& v) {
            *dst = AsText(v);
            return Status::Ok();
          }};
}

Status Init(State& st, Registrar& reg) {
  auto* dispatcher = reg.Service<MiDispatcher>(kMiDispatcherService);
  if (!dispatcher) return Status::Unavailable("MI dispatcher service not available");
  if (!st.mode_text.empty()) {
    Result<mode_t> m = ParseFifoMode(st.mode_text);
    if (!m.ok()) return m.status();
    st.opts.fifo_mode = *m;
  }
  if (!st.user.empty()) {
    Result<uid_t> u = ResolveUser(st.user);
    if (!u.ok()) return Status::Invalid("fifo_user: " + u.status().message());
    st.opts.uid = *u;
  }
  if (!st.group.empty()) {
    Result<gid_t> g = ResolveGroup(st.group);
    if (!g.ok()) return Status::Invalid("fifo_group: " + g.status().message());
    st.opts.gid = *g;
  }
  st.server = std::make_unique<FifoServer>(st.opts, dispatcher);
  Status s = st.server->Open();
  if (!s.ok()) return s;
  LOG_INFO("mi_fifo", "MI FIFO %s ready (mode %04o)", st.opts.fifo_name.c_str(),
           static_cast<unsigned>(st.opts.fifo_mode));
  return Status::Ok();
}

ModuleExports* Create() {
  auto st = std::make_shared<State>();
  State* s = st.get();
  auto* m = new ModuleExports;
  m->name = "mi_fifo";
  m->params = {
      StrParam("fifo_name", &s->opts.fifo_name), TextParam("fifo_mode", &s->mode_text),
      TextParam("fifo_user", &s->user),          TextParam("fifo_group", &s->group),
      StrParam("reply_dir", &s->opts.reply_dir), StrParam("reply_indent", &s->opts.reply_indent),
      IntParam("pretty_printing", &s->pretty),
  };
  m->init = [s](Registrar& reg) { return Init(*s, reg); };
  m->procs = {{"MI FIFO", 1, [s](int, const std::atomic<bool>& stop) {
                 if (s->server) s->server->Serve(stop);
               }}};
  m->destroy = [s] {
    if (s->server) s->server->Close();
  };
  m->state = st;
  return m;
}

}  // namespace
}  // namespace sipcapd::mi_fifo

SIPCAPD_MODULE("mi_fifo", ::sipcapd::mi_fifo::Create);
