// A shared object without the sipcapd_module entry symbol.
extern "C" __attribute__((visibility("default"))) int not_a_module() { return 1; }
