#include "tokenizer/hf_special_tokens.h"

#include <array>
#include <filesystem>

#include "formats/hf/json_file.h"

namespace qforge {
namespace fs = std::filesystem;

namespace {
constexpr std::array<const char*, 7> kKinds = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
}

void load_hf_special_tokens(const std::string& dir, Vocab& vocab) {
    nlohmann::json added_tokens = nlohmann::json::array();
    const fs::path tj = fs::path(dir) / "tokenizer.json";
    if (fs::exists(tj)) {
        const auto tok = read_json_file(tj.string());
        if (tok.is_object() && tok.contains("added_tokens") && tok["added_tokens"].is_array())
            added_tokens = tok["added_tokens"];
    }
    const fs::path tc = fs::path(dir) / "tokenizer_config.json";
    if (fs::exists(tc)) {
        const auto cfg = read_json_file(tc.string());
        if (cfg.is_object()) {
            if (auto it = cfg.find("chat_template"); it != cfg.end() && it->is_string())
                vocab.chat_template = it->get<std::string>();
            for (const char* kind : kKinds) {
                const std::string k = kind;
                if (auto a = cfg.find("add_" + k + "_token"); a != cfg.end() && a->is_boolean())
                    vocab.add_special.emplace_back(k, a->get<bool>());
                auto e = cfg.find(k + "_token");
                if (e == cfg.end()) continue;
                std::string content;
                if (e->is_string()) content = e->get<std::string>();
                else if (e->is_object() && e->contains("content") && (*e)["content"].is_string())
                    content = (*e)["content"].get<std::string>();
                else continue;
                for (const auto& at : added_tokens) {
                    if (at.is_object() && json_string(at, "content", tj.string()) == content && at.contains("id") &&
                        at["id"].is_number_integer()) {
                        vocab.set_special_id(k, at["id"].get<std::int64_t>());
                        break;
                    }
                }
            }
        }
    }
    const fs::path cj = fs::path(dir) / "config.json";
    if (fs::exists(cj)) {
        const auto cfg = read_json_file(cj.string());
        if (cfg.is_object())
            for (const char* kind : kKinds) {
                auto it = cfg.find(std::string(kind) + "_token_id");
                if (it != cfg.end() && it->is_number_integer()) vocab.set_special_id(kind, it->get<std::int64_t>());
            }
    }
}

}  // namespace qforge
