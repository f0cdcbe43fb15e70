#include <cjson/cJSON.h>

#include "core/module/module_api.h"

namespace sipcapd {

void JsonDeleter::operator()(cJSON* j) const { cJSON_Delete(j); }

}  // namespace sipcapd
