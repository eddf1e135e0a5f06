#include "convert/hf_model_files.h"

#include "core/error.h"
#include "core/float_convert.h"
#include "model/hf_config_from_gguf.h"
#include "quant/codecs/codec_table.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/hf_tokenizer_export.h"

namespace qforge {
namespace {

// Files beside the weights that loaders read; copied when the source has them.
constexpr const char* kCopied[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                   "added_tokens.json", "generation_config.json"};

std::optional<std::vector<float>> f32_values(const GgufFile& g, const char* name) {
    const TensorView* t = g.find(name);
    if (t == nullptr) return std::nullopt;
    std::vector<float> v(static_cast<std::size_t>(t->n_elements()));
    dequantize_row(t->type, t->data.data(), v.data(), t->n_elements());
    return v;
}

}  // namespace

void HfModelFiles::write_beside_config(HfDirectoryWriter& writer) const {
    for (const auto& [name, contents] : generated) writer.write_text(name, contents);
    for (const auto& [name, from] : copied) writer.copy_file(from, name);
}

void HfModelFiles::finish(HfDirectoryWriter& writer, const nlohmann::json& config) const {
    writer.write_json("config.json", config);
    write_beside_config(writer);
    writer.commit();
}

HfModelFiles hf_model_files(const HfCheckpoint& source) {
    HfModelFiles f;
    f.config = source.config();
    const auto cls = f.config.contains("architectures") && f.config["architectures"].is_array() && !f.config["architectures"].empty() &&
                             f.config["architectures"][0].is_string()
                         ? f.config["architectures"][0].get<std::string>()
                         : std::string();
    f.family = find_family_by_hf_class(cls);
    if (f.family == nullptr)
        fail("{}/config.json: architecture '{}' is not supported (supported: {})", source.dir(), cls, supported_hf_classes());
    for (const char* name : kCopied) {
        const std::string from = source.file(name);
        if (!from.empty()) f.copied.emplace_back(name, from);
    }
    return f;
}

HfModelFiles hf_model_files(const GgufFile& source) {
    HfModelFiles f;
    const GgufMetadata& m = source.metadata();
    const auto arch = m.get_string("general.architecture");
    if (!arch) fail("{}: metadata key 'general.architecture' is missing", source.path());
    f.family = find_family(*arch);
    if (f.family == nullptr)
        fail("{}: architecture '{}' has no Hugging Face form here (supported: {})", source.path(), *arch, supported_architectures());
    const Vocab vocab = read_vocab_metadata(m, source.path());
    GgufTensorFacts facts;
    facts.has_output = source.find("output.weight") != nullptr;
    facts.n_vocab = static_cast<std::int64_t>(vocab.tokens.size());
    facts.rope_factors_long = f32_values(source, "rope_factors_long.weight");
    facts.rope_factors_short = f32_values(source, "rope_factors_short.weight");
    facts.rope_freqs = f32_values(source, "rope_freqs.weight");
    f.config = hf_config_from_gguf(m, *f.family, facts, source.path());
    set_special_token_ids(vocab, f.config);
    try {
        f.generated = hf_tokenizer_files(vocab);
    } catch (const Error& e) {
        fail("{}: {}", source.path(), e.what());
    }
    return f;
}

}  // namespace qforge
