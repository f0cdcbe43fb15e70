// db_sqlite: the embedded SQLite backend. Publishes its db::Driver as the
// service "db_driver:sqlite" for BatchWriter users (sipcapture, siptrace).
#include <memory>

#include "core/module/module_api.h"
#include "modules/db_sqlite/sqlite_driver.h"

namespace sipcapd::db_sqlite {
namespace {

struct State {
  SqliteDriver driver;
};

ModuleExports* Create() {
  auto* e = new ModuleExports;
  auto s = std::make_shared<State>();
  e->name = "db_sqlite";
  e->state = s;
  e->init = [s](Registrar& reg) -> Status {
    return reg.PublishService(db::DriverServiceName("sqlite"), &s->driver);
  };
  return e;
}

}  // namespace
}  // namespace sipcapd::db_sqlite

SIPCAPD_MODULE("db_sqlite", &sipcapd::db_sqlite::Create);
