#include "core/base/thread_name.h"

#include <pthread.h>

namespace sipcapd {

std::string ThreadName(std::string_view base, std::string_view suffix) {
  size_t room = suffix.size() < kThreadNameMax ? kThreadNameMax - suffix.size() : 0;
  std::string name(base.substr(0, room));
  name += suffix;
  return name;
}

std::string ThreadName(std::string_view base, int n) {
  return n > 0 ? ThreadName(base, "#" + std::to_string(n)) : ThreadName(base, "");
}

void SetThreadName(std::string_view name) {
  std::string n(name.substr(0, kThreadNameMax));
  pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace sipcapd
