// db_mysql: the MariaDB/MySQL backend (MariaDB Connector/C). Publishes its
// db::Driver as the service "db_driver:mysql" for BatchWriter users.
// Param insert_mode = "bulk" (default: prepared statement with array
// binding) | "multi_row" (escaped multi-row INSERTs); doc/modules/db_mysql.md.
// Statistics bulk_inserts / multi_row_inserts count the Insert calls run in
// each mode (what the connections really use, after any fallback).
#include <memory>

#include "core/module/module_api.h"
#include "modules/db_mysql/mysql_driver.h"

namespace sipcapd::db_mysql {
namespace {

struct State {
  MysqlDriver driver;
};

ModuleExports* Create() {
  auto* e = new ModuleExports;
  auto s = std::make_shared<State>();
  e->name = "db_mysql";
  e->state = s;
  e->params.push_back({"insert_mode", ParamType::kStr, false, [s](const Value& v) -> Status {
                         auto m = ParseInsertMode(v.str_value());
                         if (!m.ok()) return m.status();
                         s->driver.set_insert_mode(m.value());
                         return Status::Ok();
                       }});
  e->stats = {{"bulk_inserts", &s->driver.counters().bulk},
              {"multi_row_inserts", &s->driver.counters().multi_row}};
  e->init = [s](Registrar& reg) -> Status {
    return reg.PublishService(db::DriverServiceName("mysql"), &s->driver);
  };
  return e;
}

}  // namespace
}  // namespace sipcapd::db_mysql

SIPCAPD_MODULE("db_mysql", &sipcapd::db_mysql::Create);
