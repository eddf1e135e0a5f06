// libFuzzer target: CTranslate2's model.bin reader must turn any input into a parsed file or a qforge::Error;
// every variable it returns must lie inside the file, sized as its shape and type say, and every alias resolve.
#include <cstdint>

#include "core/error.h"
#include "formats/ctranslate2/ct2_model_bin.h"
#include "mem_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qforge::fuzz::MemFile file(data, size);
    try {
        const qforge::Ct2ModelBin bin(file.path());
        std::uint64_t sum = 0;
        for (const auto& v : bin.variables()) {
            if (v.data.size() != v.info.bytes()) __builtin_trap();
            for (std::uint8_t b : v.data) sum += b;
        }
        for (const auto& [alias, target] : bin.aliases())
            if (bin.find(alias) == nullptr) __builtin_trap();
        volatile std::uint64_t sink = sum;
        (void)sink;
    } catch (const qforge::Error&) {
    }
    return 0;
}
