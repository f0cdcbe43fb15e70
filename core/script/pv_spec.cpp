#include "core/script/pv_spec.h"

#include "core/cfg/pv_syntax.h"

namespace sipcapd::script {

Result<std::shared_ptr<PvSpec>> PvSpec::Compile(const cfg::PvRef& ref, const Registry& reg) {
  const PvExport* e = reg.FindPv(ref.name);
  if (!e) return Status::NotFound("unknown pseudo-variable '$" + ref.name + "'");
  auto spec = std::make_shared<PvSpec>();
  spec->exp_ = *e;
  spec->text_ = ref.text;
  if (e->name_mode == PvExport::NameMode::kRequired && !ref.has_inner)
    return Status::Invalid("pseudo-variable '$" + ref.name + "' needs a name: $" + ref.name +
                           "(...)");
  if (e->name_mode == PvExport::NameMode::kNone && ref.has_inner)
    return Status::Invalid("pseudo-variable '$" + ref.name + "' takes no name");
  spec->args_.name = ref.inner;
  spec->args_.has_index = ref.has_index;
  spec->args_.index = ref.index;
  if (ref.has_inner && e->parse_name) {
    Status st = e->parse_name(ref.inner, spec->args_.parsed);
    if (!st.ok()) return Status::Invalid("bad name in '" + ref.text + "': " + st.message());
  }
  for (const auto& t : ref.transforms) {
    auto def = FindTransformation(t.name);
    if (!def.ok()) return def.status();
    Tr tr{*def, SplitTransformParams(t.params_raw, def->max_params)};
    int n = static_cast<int>(tr.params.size());
    if (n < def->min_params || n > def->max_params)
      return Status::Invalid(
          "transformation '" + t.name + "' takes " + std::to_string(def->min_params) +
          (def->max_params != def->min_params ? ".." + std::to_string(def->max_params)
                                              : std::string()) +
          " parameter(s), got " + std::to_string(n));
    spec->trs_.push_back(std::move(tr));
  }
  return spec;
}

Value PvSpec::Get(MsgContext& ctx) const {
  Value v = exp_.get ? exp_.get(ctx, args_) : Value();
  for (const auto& t : trs_) {
    if (!t.def.fn(ctx, t.params, &v)) {
      v = Value();
      break;
    }
  }
  return v;
}

Status PvSpec::Assign(MsgContext& ctx, const Value& v, bool replace) const {
  if (!writable()) return Status::Invalid("pseudo-variable " + text_ + " is read-only");
  return exp_.set(ctx, args_, v, replace);
}

Result<Format> Format::Compile(std::string_view text, const Registry& reg) {
  Format f;
  Seg cur;
  size_t p = 0;
  while (p < text.size()) {
    if (!cfg::IsPvStart(text, p)) {
      cur.lit += text[p++];
      continue;
    }
    cfg::PvRef ref;
    std::string err;
    if (!cfg::ParsePvRef(text, &p, &ref, &err))
      return Status::Invalid(err + " in \"" + std::string(text.substr(0, 60)) + "\"");
    if (ref.name == "null" && !ref.has_inner) {
      cur.lit += "<null>";
      continue;
    }
    auto spec = PvSpec::Compile(ref, reg);
    if (!spec.ok()) return spec.status();
    cur.pv = *spec;
    f.segs_.push_back(std::move(cur));
    cur = Seg();
  }
  if (!cur.lit.empty() || f.segs_.empty()) f.segs_.push_back(std::move(cur));
  return f;
}

std::string Format::Eval(MsgContext& ctx) const {
  std::string out;
  for (const auto& s : segs_) {
    out += s.lit;
    if (s.pv) out += s.pv->Get(ctx).AsString();
  }
  return out;
}

}  // namespace sipcapd::script
