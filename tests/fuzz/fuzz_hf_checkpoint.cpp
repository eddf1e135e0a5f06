// libFuzzer target: a Hugging Face directory whose model.safetensors.index.json is the input (beside a valid
// config.json and one valid shard) must open or fail with a qforge::Error.
#include <cstdint>
#include <string>

#include "core/error.h"
#include "formats/hf/hf_checkpoint.h"
#include "scratch_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& dir = qforge::fuzz::scratch_dir();
    static const bool prepared = [&] {
        const std::string config = R"({"architectures":["LlamaForCausalLM"]})";
        qforge::fuzz::write_file(dir + "/config.json", reinterpret_cast<const std::uint8_t*>(config.data()), config.size());
        const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
        std::string shard(8, '\0');
        shard[0] = static_cast<char>(header.size());
        shard += header + std::string(4, '\0');
        qforge::fuzz::write_file(dir + "/model-00001-of-00001.safetensors",
                                 reinterpret_cast<const std::uint8_t*>(shard.data()), shard.size());
        return true;
    }();
    (void)prepared;
    qforge::fuzz::write_file(dir + "/model.safetensors.index.json", data, size);
    try {
        qforge::HfCheckpoint ck(dir);
        volatile std::size_t n = ck.tensors().size();
        (void)n;
    } catch (const qforge::Error&) {
    }
    return 0;
}
