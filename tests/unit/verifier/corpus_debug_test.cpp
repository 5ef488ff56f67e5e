// Debug aid: verifies one program of a compiled object at log level 2.
#include <cstdio>
#include <cstdlib>

#include "iter/inproc_object.h"
#include "tests/unit/verifier/verifier_fixture.h"

TEST_CASE("debug", "[.debug]") {
    const char *obj = std::getenv("VDEBUG_OBJ");
    if (obj == nullptr) return;
    REQUIRE(bpffs::register_builtin_targets());
    auto loaded = bpffs::load_inproc_object_file(obj);
    if (!loaded) std::printf("%s\n", loaded.error().message.c_str());
}
