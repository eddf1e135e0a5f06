// libFuzzer target: importing a tokenizer.json (the input) must give a vocabulary or a qforge::Error.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "scratch_dir.h"
#include "tokenizer/bpe_json_import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& dir = qforge::fuzz::scratch_dir();
    qforge::fuzz::write_file(dir + "/tokenizer.json", data, size);
    try {
        auto v = qforge::import_bpe_json_vocab(dir, std::nullopt, std::string("gpt-2"));
        volatile std::size_t n = v.tokens.size();
        (void)n;
    } catch (const qforge::Error&) {
    }
    return 0;
}
