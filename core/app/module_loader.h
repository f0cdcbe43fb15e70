// ModuleLoader: dlopen()s modules, checks their ABI stamp, applies
// modparams, initialises them in dependency order and destroys them in
// reverse. Main thread only.
//
// Resolution of `loadmodule "x"` (OpenSIPS 6.3): absolute path as given;
// else <mpath>/x; else, for "name.so", <mpath>/name/name.so. Loading a
// module whose name is already loaded is a warning and is skipped.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/module/module_api.h"
#include "core/module/registry.h"

namespace sipcapd {

struct LoadedModule {
  std::string name;
  std::string path;
  void* handle = nullptr;
  std::unique_ptr<ModuleExports> exports;
  bool initialised = false;
  std::vector<std::string> params_set;  // names given by modparam (for repeat warnings)
};

class ModuleLoader {
 public:
  explicit ModuleLoader(Registry* registry) : registry_(registry) {}
  ~ModuleLoader();
  ModuleLoader(const ModuleLoader&) = delete;
  ModuleLoader& operator=(const ModuleLoader&) = delete;

  void set_mpath(std::string mpath);
  const std::string& mpath() const { return mpath_; }

  // Loads a module file; registers its exports. Returns the module (or the
  // already loaded one with the same name).
  Result<LoadedModule*> Load(const std::string& what);

  // modparam("modregex", "param", value): the module name is a
  // case-insensitive extended regex anchored on both ends, matched against
  // loaded modules; the value's type must fit the param's.
  Status SetParam(const std::string& module_regex, const std::string& param, const Value& v);

  // Checks dependencies and returns modules in init order.
  Result<std::vector<LoadedModule*>> InitOrder();
  // Calls init of every module in dependency order with the Registrar that
  // `make_registrar` returns for it. On failure, the failing module's
  // registrations are rolled back and the error names the module.
  Status InitAll(const std::function<Registrar&(LoadedModule&)>& make_registrar);
  Status WorkerInitAll(const WorkerInfo& info);
  void DestroyAll();  // reverse init order, once

  LoadedModule* Find(const std::string& name);
  const std::vector<std::unique_ptr<LoadedModule>>& modules() const { return modules_; }

 private:
  Result<std::string> Resolve(const std::string& what) const;

  Registry* registry_;
  std::string mpath_;
  std::vector<std::unique_ptr<LoadedModule>> modules_;
  std::vector<LoadedModule*> init_order_;
  bool destroyed_ = false;
};

}  // namespace sipcapd
