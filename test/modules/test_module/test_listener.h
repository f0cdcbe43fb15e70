// A tiny UDP transport ("test_udp") for black-box tests of the worker
// model: each datagram becomes a MsgContext run through the main route.
#pragma once

#include <atomic>
#include <memory>

#include "core/module/module_api.h"

namespace sipcapd::testmod {

Result<std::unique_ptr<Listener>> MakeTestListener(const ListenSpec& spec, Registrar& reg,
                                                   Stat* received);

}  // namespace sipcapd::testmod
