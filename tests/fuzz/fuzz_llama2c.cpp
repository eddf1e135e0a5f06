// libFuzzer target: the llama2.c checkpoint reader must turn any input into a checkpoint or a qforge::Error.
// The same input is also read as a llama2.c tokenizer file.
#include <cstdint>

#include "core/error.h"
#include "formats/llama2c/llama2c_checkpoint.h"
#include "formats/llama2c/llama2c_vocab.h"
#include "mem_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qforge::fuzz::MemFile file(data, size);
    try {
        qforge::Llama2cCheckpoint ck(file.path());
        std::uint64_t sum = 0;
        for (const auto& t : ck.tensors())
            for (auto b : t.data) sum += b;
        volatile std::uint64_t sink = sum;
        (void)sink;
    } catch (const qforge::Error&) {
    }
    try {
        auto v = qforge::read_llama2c_vocab(file.path(), 16);
        (void)v;
    } catch (const qforge::Error&) {
    }
    return 0;
}
