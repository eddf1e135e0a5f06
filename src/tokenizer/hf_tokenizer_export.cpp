#include "tokenizer/hf_tokenizer_export.h"

#include "core/error.h"
#include "tokenizer/bpe_pre_tokenizers.h"
#include "tokenizer/spm_model_writer.h"

namespace qforge {
namespace {

nlohmann::json added_token(std::size_t id, const std::string& content, bool special) {
    return {{"id", id},           {"content", content}, {"single_word", false}, {"lstrip", false},
            {"rstrip", false},    {"normalized", !special}, {"special", special}};
}

std::string tokenizer_json(const Vocab& v) {
    if (!v.pre) fail("tokenizer.ggml.pre is missing: a byte-level BPE tokenizer.json needs its pre-tokenizer");
    auto pre = pre_tokenizer_json(*v.pre);
    if (!pre)
        fail("tokenizer.ggml.pre '{}' has no tokenizer.json pre-tokenizer qforge knows exactly (known: {})", *v.pre,
             known_pre_tokenizer_names());
    nlohmann::json added = nlohmann::json::array();
    nlohmann::ordered_json vocab = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < v.tokens.size(); ++i) {
        const std::string& t = v.tokens[i];
        switch (v.types[i]) {
            case TokenType::Control: added.push_back(added_token(i, t, true)); break;
            case TokenType::UserDefined: added.push_back(added_token(i, t, false)); break;
            case TokenType::Unused:
                if (t == "[PAD" + std::to_string(i) + "]") break;  // a gap the importer fills again
                [[fallthrough]];
            default:
                if (vocab.contains(t)) fail("tokenizer.ggml.tokens: token {} ('{}') appears twice; tokenizer.json's vocab cannot hold it", i, t);
                vocab[t] = i;
        }
    }
    nlohmann::ordered_json merges = nlohmann::ordered_json::array();
    for (const std::string& m : v.merges) merges.push_back(m);
    nlohmann::ordered_json j;
    j["version"] = "1.0";
    j["truncation"] = nullptr;
    j["padding"] = nullptr;
    j["added_tokens"] = added;
    j["normalizer"] = nullptr;
    j["pre_tokenizer"] = *pre;
    j["post_processor"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}};
    j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    nlohmann::ordered_json model;
    model["type"] = "BPE";
    model["dropout"] = nullptr;
    model["unk_token"] = nullptr;
    model["continuing_subword_prefix"] = nullptr;
    model["end_of_word_suffix"] = nullptr;
    model["fuse_unk"] = false;
    model["byte_fallback"] = false;
    model["ignore_merges"] = false;
    model["vocab"] = std::move(vocab);
    model["merges"] = std::move(merges);
    j["model"] = std::move(model);
    return j.dump(2, ' ', false);
}

const char* const kKinds[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};

}  // namespace

std::vector<std::pair<std::string, std::string>> hf_tokenizer_files(const Vocab& v) {
    std::vector<std::pair<std::string, std::string>> files;
    nlohmann::ordered_json cfg;
    nlohmann::ordered_json special_map = nlohmann::ordered_json::object();
    for (const auto& [kind, on] : v.add_special) cfg["add_" + kind + "_token"] = on;
    nlohmann::ordered_json decoder = nlohmann::ordered_json::object();
    if (v.model == "llama") {
        files.emplace_back("tokenizer.model", sentencepiece_model_bytes(v));
        // The converter takes user-defined tokens from here alone (tokenizer.model's own become normal ones), and
        // gives the tokens listed here score -1000: the control tokens a converter took from here (score -1000)
        // come back here too, the unknown one among them (tokenizer.model must type it unknown).
        for (std::size_t i = 0; i < v.tokens.size(); ++i) {
            const bool listed = v.types[i] == TokenType::Control && !v.scores.empty() && v.scores[i] == -1000.0f;
            if (v.types[i] == TokenType::UserDefined || listed)
                decoder[std::to_string(i)] = {{"content", v.tokens[i]}, {"lstrip", false}, {"normalized", !listed},
                                              {"rstrip", false}, {"single_word", false}, {"special", listed}};
        }
        cfg["tokenizer_class"] = "LlamaTokenizer";
        cfg["legacy"] = true;
        cfg["add_prefix_space"] = v.add_space_prefix.value_or(true);
    } else if (v.model == "gpt2") {
        files.emplace_back("tokenizer.json", tokenizer_json(v));
        for (std::size_t i = 0; i < v.tokens.size(); ++i)
            if (v.types[i] == TokenType::Control || v.types[i] == TokenType::UserDefined) {
                const bool special = v.types[i] == TokenType::Control;
                decoder[std::to_string(i)] = {{"content", v.tokens[i]}, {"lstrip", false}, {"normalized", !special},
                                              {"rstrip", false}, {"single_word", false}, {"special", special}};
            }
        cfg["tokenizer_class"] = "PreTrainedTokenizerFast";
    } else {
        fail("tokenizer.ggml.model '{}': only SentencePiece ('llama') and byte-level BPE ('gpt2') vocabularies have "
             "Hugging Face tokenizer files here", v.model);
    }
    if (!decoder.empty()) cfg["added_tokens_decoder"] = std::move(decoder);
    for (const char* kind : kKinds)
        if (auto id = v.special_id(kind)) {
            cfg[std::string(kind) + "_token"] = v.tokens.at(*id);
            special_map[std::string(kind) + "_token"] = v.tokens.at(*id);
        }
    if (v.chat_template) cfg["chat_template"] = *v.chat_template;
    cfg["clean_up_tokenization_spaces"] = false;
    files.emplace_back("tokenizer_config.json", cfg.dump(2, ' ', false) + "\n");
    files.emplace_back("special_tokens_map.json", special_map.dump(2, ' ', false) + "\n");
    return files;
}

void set_special_token_ids(const Vocab& v, nlohmann::json& config) {
    for (const auto& [kind, id] : v.special_ids) config[kind + "_token_id"] = id;
}

}  // namespace qforge
