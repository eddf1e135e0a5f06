// libFuzzer target: an mlx-lm quantized directory whose model.safetensors is the input after its first byte (which
// picks the grid: 4, 3 or 8 bits in groups of 32) must convert or fail with a qforge::Error.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "read_mlx_dir.h"
#include "scratch_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string& dir = qforge::fuzz::scratch_dir();
    const std::string config = qforge::fuzz::mlx_config_for(data[0]);
    const std::string tokenizer = qforge::fuzz::fp8_tokenizer_json();
    qforge::fuzz::write_file(dir + "/config.json", reinterpret_cast<const std::uint8_t*>(config.data()), config.size());
    qforge::fuzz::write_file(dir + "/tokenizer.json", reinterpret_cast<const std::uint8_t*>(tokenizer.data()), tokenizer.size());
    qforge::fuzz::write_file(dir + "/model.safetensors", data + 1, size - 1);
    try {
        volatile std::size_t n = qforge::fuzz::read_mlx_dir(dir);
        (void)n;
    } catch (const qforge::Error&) {
    }
    return 0;
}
