// db_mysql: the MariaDB/MySQL backend (MariaDB Connector/C). Publishes its
// db::Driver as the service "db_driver:mysql" for BatchWriter users.
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
  e->init = [s](Registrar& reg) -> Status {
    return reg.PublishService(db::DriverServiceName("mysql"), &s->driver);
  };
  return e;
}

}  // namespace
}  // namespace sipcapd::db_mysql

SIPCAPD_MODULE("db_mysql", &sipcapd::db_mysql::Create);
