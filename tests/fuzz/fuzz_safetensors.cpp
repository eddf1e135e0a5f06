// libFuzzer target: the safetensors reader must turn any input into a file or a qforge::Error.
#include <cstdint>

#include "core/error.h"
#include "formats/safetensors/safetensors_file.h"
#include "mem_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qforge::fuzz::MemFile file(data, size);
    try {
        qforge::SafetensorsFile f(file.path());
        std::uint64_t sum = 0;
        for (const auto& t : f.tensors())
            for (auto b : t.data) sum += b;
        volatile std::uint64_t sink = sum;
        (void)sink;
    } catch (const qforge::Error&) {
    }
    return 0;
}
