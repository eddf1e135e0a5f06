#include "tokenizer/bpe_json_import.h"

#include <filesystem>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/error.h"
#include "formats/hf/json_file.h"
#include "tokenizer/bpe_pre_tokenizers.h"
#include "tokenizer/hf_special_tokens.h"
#include "tokenizer/token_heuristics.h"

namespace qforge {
namespace fs = std::filesystem;
namespace {

void collect_split_patterns(const nlohmann::json& pt, std::vector<std::string>& out, bool& byte_level) {
    if (!pt.is_object()) return;
    const auto t = pt.find("type");
    const std::string type = t != pt.end() && t->is_string() ? t->get<std::string>() : "";
    if (type == "Sequence" && pt.contains("pretokenizers") && pt["pretokenizers"].is_array()) {
        for (const auto& p : pt["pretokenizers"]) collect_split_patterns(p, out, byte_level);
    } else if (type == "Split" && pt.contains("pattern") && pt["pattern"].is_object()) {
        const auto& pat = pt["pattern"];
        if (pat.contains("Regex") && pat["Regex"].is_string()) out.push_back(pat["Regex"].get<std::string>());
        else if (pat.contains("String") && pat["String"].is_string()) out.push_back(pat["String"].get<std::string>());
    } else if (type == "ByteLevel") {
        byte_level = true;
        const auto r = pt.find("use_regex");
        if (r == pt.end() || !r->is_boolean() || r->get<bool>()) out.push_back("<gpt-2>");
    }
}

}  // namespace

std::optional<std::string> recognise_pre_tokenizer(const std::string& text) {
    nlohmann::json pt;
    try {
        pt = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return std::nullopt;
    }
    std::vector<std::string> patterns;
    bool byte_level = false;
    collect_split_patterns(pt, patterns, byte_level);
    if (patterns.empty()) return std::nullopt;
    // The first Split regex identifies the family; ByteLevel's own regex alone means GPT-2.
    for (const KnownPreTokenizer& k : known_pre_tokenizers())
        if (!k.regex.empty() && patterns.front() == k.regex) return std::string(k.name);
    if (patterns.size() == 1 && patterns.front() == "<gpt-2>") return std::string("gpt-2");
    return std::nullopt;
}

Vocab import_bpe_json_vocab(const std::string& dir, std::optional<std::int64_t> vocab_size,
                            const std::optional<std::string>& pre_override) {
    const std::string path = (fs::path(dir) / "tokenizer.json").string();
    const auto tok = read_json_file(path);
    if (!tok.is_object() || !tok.contains("model") || !tok["model"].is_object())
        fail("{}: missing object 'model'", path);
    const auto& model = tok["model"];
    const auto type = json_string(model, "type", path + " model");
    if (type != "BPE") fail("{}: model type '{}' is not supported (expected BPE)", path, type.value_or("?"));
    if (!model.contains("vocab") || !model["vocab"].is_object()) fail("{}: missing object 'model.vocab'", path);

    std::map<std::int64_t, std::string> by_id;
    for (const auto& [text, id] : model["vocab"].items()) {
        if (!id.is_number_integer() || id.get<std::int64_t>() < 0)
            fail("{}: model.vocab entry '{}' has no valid id", path, text);
        by_id[id.get<std::int64_t>()] = text;
    }
    std::map<std::int64_t, nlohmann::json> added;
    if (tok.contains("added_tokens") && tok["added_tokens"].is_array())
        for (const auto& a : tok["added_tokens"]) {
            if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
                !a["content"].is_string())
                fail("{}: malformed entry in added_tokens", path);
            added[a["id"].get<std::int64_t>()] = a;
            by_id[a["id"].get<std::int64_t>()] = a["content"].get<std::string>();
        }
    const std::int64_t n = vocab_size.value_or(by_id.empty() ? 0 : by_id.rbegin()->first + 1);
    if (n <= 0 || n > (1 << 24)) fail("{}: vocabulary size {} is out of range", path, n);

    Vocab v;
    v.model = "gpt2";
    for (std::int64_t i = 0; i < n; ++i) {
        auto it = by_id.find(i);
        if (it == by_id.end()) {
            v.tokens.push_back(fmt::format("[PAD{}]", i));
            v.types.push_back(TokenType::Unused);
            continue;
        }
        std::string text = it->second;
        TokenType type = TokenType::Normal;
        if (auto a = added.find(i); a != added.end()) {
            if (json_bool(a->second, "special", path + " added_tokens").value_or(false) || token_looks_special(text)) {
                type = TokenType::Control;
            } else {
                text = replace_space_marker(text);
                type = TokenType::UserDefined;
            }
        }
        v.tokens.push_back(std::move(text));
        v.types.push_back(type);
    }

    if (model.contains("merges") && model["merges"].is_array()) {
        for (const auto& m : model["merges"]) {
            if (m.is_string()) v.merges.push_back(m.get<std::string>());
            else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
                v.merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
            else fail("{}: malformed entry in model.merges", path);
        }
    }

    if (pre_override) {
        v.pre = *pre_override;
    } else {
        const std::string pt = tok.contains("pre_tokenizer") ? tok["pre_tokenizer"].dump() : "null";
        v.pre = recognise_pre_tokenizer(pt);
        if (!v.pre)
            fail("{}: pre-tokenizer {} is not recognised; name it with --tokenizer-pre (e.g. llama-bpe, qwen2, "
                 "gpt-2)", path, pt.size() > 120 ? pt.substr(0, 120) + "..." : pt);
    }
    load_hf_special_tokens(dir, v);
    return v;
}

}  // namespace qforge
