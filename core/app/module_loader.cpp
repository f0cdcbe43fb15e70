#include "core/app/module_loader.h"

#include <dlfcn.h>
#include <regex.h>
#include <sys/stat.h>

#include <cstring>
#include <functional>
#include <map>
#include <set>

#include "core/base/log.h"

namespace sipcapd {

namespace {

bool IsRegularFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

const char* ParamTypeName(ParamType t) {
  switch (t) {
    case ParamType::kInt: return "integer";
    case ParamType::kStr: return "string";
    default: return "integer or string";
  }
}

}  // namespace

ModuleLoader::~ModuleLoader() {
  DestroyAll();
  // Loaded modules are never dlclose()d: the registry, the compiled script
  // and pending async work hold std::function objects and fixup values whose
  // code lives in them (OpenSIPS does not unload modules either).
}

void ModuleLoader::set_mpath(std::string mpath) {
  if (!mpath.empty() && mpath.back() != '/') mpath += '/';
  mpath_ = std::move(mpath);
}

Result<std::string> ModuleLoader::Resolve(const std::string& what) const {
  if (what.empty()) return Status::Invalid("empty module name");
  if (what[0] == '/' || mpath_.empty()) {
    if (IsRegularFile(what)) return what;
    return Status::NotFound("module file '" + what + "' not found");
  }
  std::string p = mpath_ + what;
  if (IsRegularFile(p)) return p;
  std::string base = what;
  if (base.find('/') == std::string::npos && base.size() > 3 &&
      base.compare(base.size() - 3, 3, ".so") == 0) {
    std::string alt = mpath_ + base.substr(0, base.size() - 3) + "/" + base;
    if (IsRegularFile(alt)) return alt;
  } else if (base.find('/') == std::string::npos) {
    std::string alt = mpath_ + base + ".so";
    if (IsRegularFile(alt)) return alt;
  }
  return Status::NotFound("module '" + what + "' not found in mpath '" + mpath_ + "'");
}

Result<LoadedModule*> ModuleLoader::Load(const std::string& what) {
  auto path = Resolve(what);
  if (!path.ok()) return path.status();
  void* h = dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return Status::Invalid("cannot load module '" + *path + "': " + (e ? e : "dlopen failed"));
  }
  dlerror();
  auto* hdr = static_cast<const ModuleHeader*>(dlsym(h, SIPCAPD_MODULE_ENTRY_SYMBOL));
  if (!hdr) {
    dlclose(h);
    return Status::Invalid("module '" + *path +
                           "' has no '" SIPCAPD_MODULE_ENTRY_SYMBOL
                           "' entry symbol (not a sipcapd module)");
  }
  if (hdr->abi_version != kAbiVersion) {
    std::string msg = "module '" + *path + "' has ABI version " + std::to_string(hdr->abi_version) +
                      ", this core needs " + std::to_string(kAbiVersion);
    dlclose(h);
    return Status::Invalid(msg);
  }
  const char* sig = hdr->build_signature ? hdr->build_signature : "(none)";
  if (std::strcmp(sig, kBuildSignature) != 0) {
    std::string msg = "module '" + *path + "' was built with signature '" + sig +
                      "', this core has '" + kBuildSignature + "'";
    dlclose(h);
    return Status::Invalid(msg);
  }
  std::string name = hdr->name ? hdr->name : "";
  if (LoadedModule* existing = Find(name)) {
    LOG_WARN("core", "module '%s' already loaded from %s, skipping %s", name.c_str(),
             existing->path.c_str(), path->c_str());
    dlclose(h);
    return existing;
  }
  if (!hdr->create) {
    dlclose(h);
    return Status::Invalid("module '" + *path + "' has no export table factory");
  }
  std::unique_ptr<ModuleExports> ex(hdr->create());
  if (!ex) {
    dlclose(h);
    return Status::Invalid("module '" + *path + "' returned no export table");
  }
  if (ex->name.empty()) ex->name = name;
  if (ex->name != name) {
    std::string msg = "module '" + *path + "' calls itself '" + ex->name + "' in its table but '" +
                      name + "' in its header";
    ex.reset();
    dlclose(h);
    return Status::Invalid(msg);
  }
  std::set<std::string> pnames;
  for (const auto& p : ex->params) {
    if (!p.set) {
      ex.reset();
      dlclose(h);
      return Status::Invalid("module '" + name + "': param without setter");
    }
  }
  (void)pnames;
  Status st = registry_->AddModuleExports(*ex);
  if (!st.ok()) {
    ex.reset();
    dlclose(h);
    return Status::Invalid("module '" + name + "': " + st.message());
  }
  auto m = std::make_unique<LoadedModule>();
  m->name = name;
  m->path = *path;
  m->handle = h;
  m->exports = std::move(ex);
  modules_.push_back(std::move(m));
  LOG_DBG("core", "loaded module %s from %s", name.c_str(), modules_.back()->path.c_str());
  return modules_.back().get();
}

Status ModuleLoader::SetParam(const std::string& module_regex, const std::string& param,
                              const Value& v) {
  regex_t re;
  std::string anchored = "^(" + module_regex + ")$";
  if (regcomp(&re, anchored.c_str(), REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
    return Status::Invalid("bad module name regex '" + module_regex + "'");
  int matched = 0;
  Status result;
  for (auto& m : modules_) {
    if (regexec(&re, m->name.c_str(), 0, nullptr, 0) != 0) continue;
    ++matched;
    const ParamExport* pe = nullptr;
    for (const auto& p : m->exports->params)
      if (p.name == param) pe = &p;
    if (!pe) {
      result = Status::NotFound("parameter '" + param + "' not found in module '" + m->name + "'");
      break;
    }
    Value val = v;
    if (pe->type == ParamType::kInt && !v.is_int()) {
      result = Status::Invalid("parameter '" + param + "' of module '" + m->name + "' expects " +
                               ParamTypeName(pe->type) + ", got a string");
      break;
    }
    if (pe->type == ParamType::kStr && !v.is_str()) {
      result = Status::Invalid("parameter '" + param + "' of module '" + m->name + "' expects " +
                               ParamTypeName(pe->type) + ", got an integer");
      break;
    }
    bool seen = false;
    for (const auto& s : m->params_set) seen = seen || s == param;
    if (seen && !pe->repeatable)
      LOG_WARN("core", "modparam %s:%s set more than once; the last value wins", m->name.c_str(),
               param.c_str());
    m->params_set.push_back(param);
    Status st = pe->set(val);
    if (!st.ok()) {
      result = Status::Invalid("modparam " + m->name + ":" + param + ": " + st.message());
      break;
    }
  }
  regfree(&re);
  if (!result.ok()) return result;
  if (matched == 0)
    return Status::NotFound("modparam: no loaded module matches '" + module_regex +
                            "' (loadmodule must come before modparam)");
  return Status::Ok();
}

LoadedModule* ModuleLoader::Find(const std::string& name) {
  for (auto& m : modules_)
    if (m->name == name) return m.get();
  return nullptr;
}

Result<std::vector<LoadedModule*>> ModuleLoader::InitOrder() {
  std::vector<LoadedModule*> order;
  std::map<std::string, int> state;  // 0 new, 1 visiting, 2 done
  std::function<Status(LoadedModule*)> visit = [&](LoadedModule* m) -> Status {
    int& s = state[m->name];
    if (s == 2) return Status::Ok();
    if (s == 1) return Status::Invalid("dependency cycle through module '" + m->name + "'");
    s = 1;
    for (const auto& d : m->exports->deps) {
      LoadedModule* dep = Find(d.module);
      if (!dep) {
        if (d.required)
          return Status::NotFound("module '" + m->name + "' depends on module '" + d.module +
                                  "', which is not loaded");
        LOG_WARN("core", "module '%s' works better with module '%s', which is not loaded",
                 m->name.c_str(), d.module.c_str());
        continue;
      }
      SIPCAPD_RETURN_IF_ERROR(visit(dep));
    }
    state[m->name] = 2;
    order.push_back(m);
    return Status::Ok();
  };
  for (auto& m : modules_) SIPCAPD_RETURN_IF_ERROR(visit(m.get()));
  return order;
}

Status ModuleLoader::InitAll(const std::function<Registrar&(LoadedModule&)>& make_registrar) {
  auto order = InitOrder();
  if (!order.ok()) return order.status();
  for (LoadedModule* m : *order) {
    if (m->exports->init) {
      Status st = m->exports->init(make_registrar(*m));
      if (!st.ok()) {
        registry_->RemoveOwner(m->name);
        return Status::Internal("init of module '" + m->name + "' failed: " + st.message());
      }
    }
    m->initialised = true;
    init_order_.push_back(m);
  }
  return Status::Ok();
}

Status ModuleLoader::WorkerInitAll(const WorkerInfo& info) {
  for (LoadedModule* m : init_order_) {
    if (!m->exports->worker_init) continue;
    Status st = m->exports->worker_init(info);
    if (!st.ok())
      return Status::Internal("worker init of module '" + m->name + "' failed: " + st.message());
  }
  return Status::Ok();
}

void ModuleLoader::DestroyAll() {
  if (destroyed_) return;
  destroyed_ = true;
  for (auto it = init_order_.rbegin(); it != init_order_.rend(); ++it) {
    LoadedModule* m = *it;
    if (m->exports && m->exports->destroy) m->exports->destroy();
    m->initialised = false;
  }
  init_order_.clear();
}

}  // namespace sipcapd
