#include "convert/kv_override.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/error.h"

namespace qforge {
namespace {

bool starts(const std::string& s, std::size_t at, const char* prefix) { return s.compare(at, std::char_traits<char>::length(prefix), prefix) == 0; }

}  // namespace

KvOverride parse_kv_override(const std::string& spec) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq >= 128)
        fail("--override-kv '{}': expected KEY=TYPE:VALUE with a key of 1 to 127 bytes (TYPE int, float, bool or str)", spec);
    KvOverride o;
    o.key = spec.substr(0, eq);
    // general.alignment must stay a u32 power of two (llama.cpp aborts on any override of it)
    if (o.key == "general.alignment") fail("--override-kv '{}': general.alignment cannot be overridden", spec);
    std::size_t at = eq + 1;
    if (starts(spec, at, "int:")) {
        const std::string v = spec.substr(at + 4);
        errno = 0;
        char* end = nullptr;
        const long long n = std::strtoll(v.c_str(), &end, 10);
        if (v.empty() || *end != '\0' || errno == ERANGE || n < std::numeric_limits<std::int32_t>::min() ||
            n > std::numeric_limits<std::int32_t>::max())
            fail("--override-kv '{}': '{}' is not a 32-bit integer (llama.cpp stores int overrides as i32)", spec, v);
        o.value = GgufValue::make<std::int32_t>(static_cast<std::int32_t>(n));
    } else if (starts(spec, at, "float:")) {
        const std::string v = spec.substr(at + 6);
        char* end = nullptr;
        const double f = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !std::isfinite(f)) fail("--override-kv '{}': '{}' is not a finite number", spec, v);
        o.value = GgufValue::make<float>(static_cast<float>(f));
    } else if (starts(spec, at, "bool:")) {
        const std::string v = spec.substr(at + 5);
        if (v != "true" && v != "false") fail("--override-kv '{}': a bool is true or false, not '{}'", spec, v);
        o.value = GgufValue::make<bool>(v == "true");
    } else if (starts(spec, at, "str:")) {
        const std::string v = spec.substr(at + 4);
        if (v.size() > 127) fail("--override-kv '{}': the value has {} bytes, at most 127", spec.substr(0, eq), v.size());
        o.value = GgufValue::make<std::string>(v);
    } else {
        fail("--override-kv '{}': TYPE must be int, float, bool or str (KEY=TYPE:VALUE)", spec);
    }
    return o;
}

}  // namespace qforge
