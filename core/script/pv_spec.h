// Compiled pseudo-variable references and format strings (the script's
// read-only, load-time form of `$var(x)`, `$(avp(y)[1]{s.len})` and
// "from $si:$sp\n"). Built once by Engine::Compile against a Registry;
// afterwards immutable, so safe to use from many worker threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/cfg/ast.h"
#include "core/module/module_api.h"
#include "core/module/registry.h"
#include "core/script/transform.h"

namespace sipcapd::script {

class PvSpec : public PvHandle {
 public:
  // Resolves the PV and its transformations. Errors carry no location.
  static Result<std::shared_ptr<PvSpec>> Compile(const cfg::PvRef& ref, const Registry& reg);

  Value Get(MsgContext& ctx) const override;  // transformations applied
  Status Set(MsgContext& ctx, const Value& v) const override { return Assign(ctx, v, false); }
  Status Assign(MsgContext& ctx, const Value& v, bool replace) const;
  std::string Name() const override { return text_; }
  // Has a setter and no transformations.
  bool writable() const { return exp_.set != nullptr && trs_.empty(); }

 private:
  struct Tr {
    TransformDef def;
    std::vector<std::string> params;
  };
  PvExport exp_;
  PvArgs args_;
  std::vector<Tr> trs_;
  std::string text_;
};

// A string with embedded PVs. `$` not followed by a PV name stays literal.
class Format {
 public:
  static Result<Format> Compile(std::string_view text, const Registry& reg);
  bool is_const() const { return segs_.size() <= 1 && (segs_.empty() || !segs_[0].pv); }
  std::string const_text() const { return segs_.empty() ? std::string() : segs_[0].lit; }
  // The PV if the text is exactly one PV reference ("$var(x)"), else null.
  std::shared_ptr<PvSpec> single_pv() const {
    return segs_.size() == 1 && segs_[0].lit.empty() ? segs_[0].pv : nullptr;
  }
  std::string Eval(MsgContext& ctx) const;

 private:
  struct Seg {
    std::string lit;
    std::shared_ptr<PvSpec> pv;  // after lit, if set
  };
  std::vector<Seg> segs_;
};

}  // namespace sipcapd::script
