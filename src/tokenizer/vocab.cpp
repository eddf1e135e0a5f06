#include "tokenizer/vocab.h"

#include "core/error.h"

namespace qforge {

void Vocab::set_special_id(const std::string& kind, std::int64_t id) {
    if (id < 0) fail("special token '{}' has negative id {}", kind, id);
    if (!tokens.empty() && static_cast<std::uint64_t>(id) >= tokens.size()) return;  // outside the vocabulary
    for (const auto& [k, v] : special_ids)
        if (k == kind) return;
    special_ids.emplace_back(kind, static_cast<std::uint32_t>(id));
}

std::optional<std::uint32_t> Vocab::special_id(const std::string& kind) const {
    for (const auto& [k, v] : special_ids)
        if (k == kind) return v;
    return std::nullopt;
}

std::optional<bool> Vocab::add_flag(const std::string& kind) const {
    for (const auto& [k, v] : add_special)
        if (k == kind) return v;
    return std::nullopt;
}

}  // namespace qforge
