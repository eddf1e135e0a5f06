// libFuzzer target: the GGUF reader must turn any input into a GgufFile or a qforge::Error, nothing else.
#include <cstdint>

#include "core/error.h"
#include "formats/gguf/gguf_file.h"
#include "mem_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qforge::fuzz::MemFile file(data, size);
    try {
        qforge::GgufFile f(file.path());
        std::uint64_t sum = 0;
        for (const auto& [key, value] : f.metadata().items()) sum += value.to_display().size();
        for (const auto& t : f.tensors())
            for (auto b : t.data) sum += b;  // every view must lie inside the mapping
        volatile std::uint64_t sink = sum;
        (void)sink;
    } catch (const qforge::Error&) {
    }
    return 0;
}
