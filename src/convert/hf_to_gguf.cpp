#include "convert/hf_to_gguf.h"

#include <cstring>
#include <filesystem>

#include "convert/model_naming.h"
#include "core/error.h"
#include "core/float_convert.h"
#include "model/arch_registry.h"
#include "model/hf_hparams.h"
#include "tokenizer/bpe_json_import.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/spm_import.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

ArchSpec arch_of(const HfCheckpoint& ck, const std::string& config_path) {
    const auto& c = ck.config();
    auto it = c.find("architectures");
    if (it == c.end() || !it->is_array() || it->empty() || !(*it)[0].is_string())
        fail("{}: missing 'architectures' (expected one of {})", config_path, supported_hf_classes());
    const std::string cls = (*it)[0].get<std::string>();
    auto spec = find_arch_by_hf_class(cls);
    if (!spec) fail("{}: architecture '{}' is not supported (supported: {})", config_path, cls, supported_hf_classes());
    return *spec;
}

Vocab load_vocab(const HfCheckpoint& ck, const HfHparams& hp, const ConvertOptions& options) {
    if (!ck.file("tokenizer.model").empty()) return import_sentencepiece_vocab(ck.dir(), hp.vocab_size);
    if (!ck.file("tokenizer.json").empty()) return import_bpe_json_vocab(ck.dir(), hp.vocab_size, options.tokenizer_pre);
    fail("{}: no tokenizer.model or tokenizer.json", ck.dir());
}

}  // namespace

GgufPlan plan_hf_to_gguf(const HfCheckpoint& ck, const ConvertOptions& options) {
    const std::string config_path = (fs::path(ck.dir()) / "config.json").string();
    const ArchSpec spec = arch_of(ck, config_path);
    const HfHparams hp = read_hf_hparams(ck.config(), config_path);
    const std::string& arch = spec.gguf_arch;

    GgufPlan plan;
    if (spec.gguf_arch == "llama") {
        if (auto factors = llama3_rope_factors(ck.config(), hp)) {
            PlannedTensor p;
            p.out = {"rope_freqs.weight", TensorType::F32, {static_cast<std::int64_t>(factors->size())}};
            p.generated.resize(factors->size() * sizeof(float));
            std::memcpy(p.generated.data(), factors->data(), p.generated.size());
            plan.tensors.push_back(std::move(p));
        }
    }
    std::uint64_t source_params = 0;
    for (const auto& t : ck.tensors()) {
        if (is_ignored_hf_tensor(t.name)) continue;
        auto name = llama_family_gguf_name(t.name);
        if (!name) fail("{}: tensor '{}' has no GGUF counterpart in architecture '{}'", ck.dir(), t.name, arch);
        if (!is_float_type(t.type))
            fail("{}: tensor '{}' has dtype {}; only float checkpoints convert (quantized GPTQ/AWQ import is not "
                 "implemented yet)", ck.dir(), t.name, type_name(t.type));
        if (t.ne.empty() || t.ne.size() > 4)
            fail("{}: tensor '{}' has {} dimensions (expected 1 to 4)", ck.dir(), t.name, t.ne.size());
        PlannedTensor p;
        p.src = &t;
        p.out = {*name, output_type_for(*name, t.ne.size(), options.outtype), t.ne};
        if (spec.permute_qk) {
            if (t.name.ends_with("q_proj.weight") || t.name.ends_with("q_proj.bias")) p.permute_heads = hp.n_head;
            if (t.name.ends_with("k_proj.weight") || t.name.ends_with("k_proj.bias")) p.permute_heads = hp.n_head_kv;
        }
        source_params += static_cast<std::uint64_t>(t.n_elements());
        plan.tensors.push_back(std::move(p));
    }
    if (plan.tensors.empty()) fail("{}: no tensors to convert", ck.dir());

    auto& m = plan.metadata;
    m.set("general.architecture", GgufValue::make<std::string>(arch));
    m.set("general.type", GgufValue::make<std::string>("model"));
    m.set("general.name", GgufValue::make<std::string>(model_name_from_path(ck.dir())));
    m.set("general.size_label", GgufValue::make<std::string>(size_label(source_params)));
    write_generic_hparams(ck.config(), hp, arch, m);
    m.set("general.file_type", GgufValue::make<std::uint32_t>(file_type_for(options.outtype)));
    write_arch_hparams(ck.config(), hp, spec, m);
    write_vocab_metadata(load_vocab(ck, hp, options), m);
    m.set("general.quantization_version", GgufValue::make<std::uint32_t>(2));
    return plan;
}

}  // namespace qforge
