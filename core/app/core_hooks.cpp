// Core registrations beyond the script language: the MI dispatcher service
// and the core MI commands. (SIP pseudo-variables are added here once the
// SIP layer provides them.)
#include "core/app/server.h"
#include "core/mi/core_mi.h"
#include "core/mi/mi_dispatch.h"
#include "core/proxy/forward.h"
#include "core/sip/sip_pvs.h"

namespace sipcapd {

Status Server::RegisterCoreHooks() {
  SIPCAPD_RETURN_IF_ERROR(proxy::RegisterProxyExports(registry_, &stats()));
  SIPCAPD_RETURN_IF_ERROR(sip::RegisterSipPvs(registry_));
  mi_ = std::make_unique<MiDispatcher>(registry_);
  SIPCAPD_RETURN_IF_ERROR(registry_.PublishService("core", kMiDispatcherService, mi_.get()));
  CoreMiHooks hooks;
  hooks.start_time = start_time_;
  hooks.processes = [this] { return Processes(); };
  hooks.shutdown = [this] { RequestShutdown(); };
  hooks.stats = &stats();
  return RegisterCoreMi(registry_, hooks);
}

}  // namespace sipcapd
