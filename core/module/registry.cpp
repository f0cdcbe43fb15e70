#include "core/module/registry.h"

namespace sipcapd {

Status Registry::CheckNotFrozen(const std::string& what) const {
  if (frozen_) return Status::Internal("registry is frozen: cannot register " + what);
  return Status::Ok();
}

namespace {
template <class Map, class T>
Status AddTo(Map& m, const std::string& kind, const std::string& owner, const std::string& name,
             const T& item) {
  if (name.empty()) return Status::Invalid(kind + " with an empty name from " + owner);
  auto it = m.find(name);
  if (it != m.end())
    return Status::Exists(kind + " '" + name + "' of " + owner + " is already registered by " +
                          it->second.owner);
  m.emplace(name, typename Map::mapped_type{owner, item});
  return Status::Ok();
}
}  // namespace

Status Registry::AddFunction(const std::string& owner, const FunctionExport& f) {
  SIPCAPD_RETURN_IF_ERROR(CheckNotFrozen("function " + f.name));
  if (!f.fn && !f.async_fn) return Status::Invalid("function '" + f.name + "' has no handler");
  bool seen_optional = false;
  for (const auto& a : f.args) {
    if (seen_optional && !a.optional)
      return Status::Invalid("function '" + f.name + "': mandatory argument after optional one");
    seen_optional = seen_optional || a.optional;
  }
  return AddTo(functions_, "function", owner, f.name, f);
}

Status Registry::AddPv(const std::string& owner, const PvExport& pv) {
  SIPCAPD_RETURN_IF_ERROR(CheckNotFrozen("pv " + pv.name));
  if (!pv.get) return Status::Invalid("pseudo-variable '$" + pv.name + "' has no getter");
  return AddTo(pvs_, "pseudo-variable", owner, pv.name, pv);
}

Status Registry::AddMi(const std::string& owner, const MiExport& mi) {
  SIPCAPD_RETURN_IF_ERROR(CheckNotFrozen("MI " + mi.name));
  if (!mi.handler) return Status::Invalid("MI command '" + mi.name + "' has no handler");
  return AddTo(mi_, "MI command", owner, mi.name, mi);
}

Status Registry::AddTransport(const std::string& owner, const TransportExport& t) {
  SIPCAPD_RETURN_IF_ERROR(CheckNotFrozen("transport " + t.proto));
  if (!t.create) return Status::Invalid("transport '" + t.proto + "' has no factory");
  return AddTo(transports_, "transport", owner, t.proto, t);
}

Status Registry::PublishService(const std::string& owner, const std::string& name, void* iface) {
  SIPCAPD_RETURN_IF_ERROR(CheckNotFrozen("service " + name));
  if (!iface) return Status::Invalid("service '" + name + "' published as null");
  return AddTo(services_, "service", owner, name, iface);
}

Status Registry::AddModuleExports(const ModuleExports& m) {
  Status st;
  for (const auto& f : m.functions)
    if (st = AddFunction(m.name, f); !st.ok()) break;
  if (st.ok())
    for (const auto& p : m.pvs)
      if (st = AddPv(m.name, p); !st.ok()) break;
  if (st.ok())
    for (const auto& c : m.mi)
      if (st = AddMi(m.name, c); !st.ok()) break;
  if (st.ok())
    for (const auto& t : m.transports)
      if (st = AddTransport(m.name, t); !st.ok()) break;
  if (!st.ok()) RemoveOwner(m.name);
  return st;
}

void Registry::RemoveOwner(const std::string& owner) {
  auto drop = [&owner](auto& m) {
    for (auto it = m.begin(); it != m.end();) {
      if (it->second.owner == owner)
        it = m.erase(it);
      else
        ++it;
    }
  };
  drop(functions_);
  drop(pvs_);
  drop(mi_);
  drop(transports_);
  drop(services_);
}

const FunctionExport* Registry::FindFunction(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second.item;
}
const PvExport* Registry::FindPv(std::string_view name) const {
  auto it = pvs_.find(name);
  return it == pvs_.end() ? nullptr : &it->second.item;
}
const MiExport* Registry::FindMi(std::string_view name) const {
  auto it = mi_.find(name);
  return it == mi_.end() ? nullptr : &it->second.item;
}
const TransportExport* Registry::FindTransport(std::string_view proto) const {
  auto it = transports_.find(proto);
  return it == transports_.end() ? nullptr : &it->second.item;
}
void* Registry::FindService(std::string_view name) const {
  auto it = services_.find(name);
  return it == services_.end() ? nullptr : it->second.item;
}
std::vector<const MiExport*> Registry::AllMi() const {
  std::vector<const MiExport*> v;
  for (const auto& [k, m] : mi_) v.push_back(&m.item);
  return v;
}
std::vector<std::string> Registry::FunctionNames() const {
  std::vector<std::string> v;
  for (const auto& [k, f] : functions_) v.push_back(k);
  return v;
}

}  // namespace sipcapd
