// dialog: minimal dialog tracking (OpenSIPS 2.4 dialog subset):
// create_dialog(), $DLG_status, param default_timeout, DialogApi/1.
// Needs tm (in-dialog requests and replies are seen through TmApi).
#include <memory>

#include "core/module/module_api.h"
#include "modules/dialog/dialog_core.h"

namespace sipcapd::dialog {
namespace {

struct State {
  int timeout_s = 43200;
  std::unique_ptr<DialogCore> core;
};

Status Init(State* s, Registrar& reg) {
  auto* tm = reg.Service<tm::TmApi>(tm::kTmApiName);
  if (!tm) return Status::Unsupported("dialog needs module tm (TmApi/1)");
  if (s->timeout_s <= 0) return Status::Invalid("dialog: default_timeout must be > 0");
  s->core = std::make_unique<DialogCore>(tm, s->timeout_s);
  DialogCore* c = s->core.get();
  tm->OnNewRequest([c](MsgContext& req, uint64_t) { c->OnRequest(req); });
  reg.timers().Every("dialog", std::chrono::milliseconds(1000), [c] { c->Expire(DlgNowMs()); });
  return reg.PublishService(kDialogApiName, static_cast<DialogApi*>(c));
}

ModuleExports* Create() {
  auto s = std::make_shared<State>();
  State* st = s.get();
  auto* e = new ModuleExports;
  e->name = "dialog";
  e->state = s;
  e->deps = {{"tm", true}};
  e->params = {IntParam("default_timeout", &st->timeout_s)};
  e->functions.push_back(
      {"create_dialog",
       {},
       kRequestRoute,
       [st](MsgContext& c, const CallArgs&) { return st->core->CreateDialog(c) ? 1 : -1; },
       nullptr});
  PvExport pv;
  pv.name = "DLG_status";
  pv.get = [st](MsgContext& c, const PvArgs&) -> Value {
    int v = st->core ? st->core->State(c) : 0;
    return v ? Value::Int(v) : Value::Null();
  };
  e->pvs.push_back(pv);
  e->init = [st](Registrar& reg) { return Init(st, reg); };
  return e;
}

}  // namespace
}  // namespace sipcapd::dialog

SIPCAPD_MODULE("dialog", sipcapd::dialog::Create);
