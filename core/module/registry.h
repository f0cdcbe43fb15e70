// Registry: every name the cfg can refer to, from the core and from loaded
// modules: script functions, pseudo-variables, transports, MI commands,
// module params, services. Filled on the main thread while the cfg is
// loaded (duplicates are errors; a module whose registration or init fails
// is rolled back), then frozen before workers start; after Freeze() it is
// read-only and safe to read from any thread without locks.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/module/module_api.h"

namespace sipcapd {

class Registry {
 public:
  // Owner tag "core" for core exports, else the module name.
  Status AddFunction(const std::string& owner, const FunctionExport& f);
  Status AddPv(const std::string& owner, const PvExport& pv);
  Status AddMi(const std::string& owner, const MiExport& mi);
  Status AddTransport(const std::string& owner, const TransportExport& t);
  Status PublishService(const std::string& owner, const std::string& name, void* iface);

  // Adds every function, PV, MI command and transport of a module's table;
  // on any duplicate nothing of the module stays registered.
  Status AddModuleExports(const ModuleExports& m);
  // Removes everything registered by `owner` (rollback of a failed module).
  void RemoveOwner(const std::string& owner);

  const FunctionExport* FindFunction(std::string_view name) const;
  const PvExport* FindPv(std::string_view name) const;
  const MiExport* FindMi(std::string_view name) const;
  const TransportExport* FindTransport(std::string_view proto) const;
  void* FindService(std::string_view name) const;
  std::vector<const MiExport*> AllMi() const;
  std::vector<std::string> FunctionNames() const;

  void Freeze() { frozen_ = true; }
  bool frozen() const { return frozen_; }

 private:
  template <class T>
  struct Owned {
    std::string owner;
    T item;
  };
  Status CheckNotFrozen(const std::string& what) const;

  bool frozen_ = false;
  std::map<std::string, Owned<FunctionExport>, std::less<>> functions_;
  std::map<std::string, Owned<PvExport>, std::less<>> pvs_;
  std::map<std::string, Owned<MiExport>, std::less<>> mi_;
  std::map<std::string, Owned<TransportExport>, std::less<>> transports_;
  std::map<std::string, Owned<void*>, std::less<>> services_;
};

}  // namespace sipcapd
