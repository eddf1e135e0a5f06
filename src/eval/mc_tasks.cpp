#include "eval/mc_tasks.h"

#include <charconv>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qforge {

std::vector<McTask> parse_hellaswag_text(const std::string& text, const std::string& where) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    if (lines.size() % 6 != 0)
        fail("{}: {} lines, not a multiple of 6 (HellaSwag format: context, gold index, four endings per task)", where,
             lines.size());
    std::vector<McTask> tasks;
    for (std::size_t i = 0; i < lines.size(); i += 6) {
        McTask t;
        t.context = lines[i];
        const std::string& gold = lines[i + 1];
        const auto [end, ec] = std::from_chars(gold.data(), gold.data() + gold.size(), t.label);
        if (ec != std::errc() || end != gold.data() + gold.size() || t.label < 0 || t.label > 3)
            fail("{}: line {}: gold ending index '{}' (expected 0..3)", where, i + 2, gold);
        t.choices.assign(lines.begin() + static_cast<std::ptrdiff_t>(i + 2), lines.begin() + static_cast<std::ptrdiff_t>(i + 6));
        tasks.push_back(std::move(t));
    }
    return tasks;
}

std::vector<McTask> parse_mc_jsonl(const std::string& text, const std::string& where) {
    std::vector<McTask> tasks;
    std::istringstream in(text);
    std::size_t line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        auto bad = [&](const char* what) { fail("{}: line {}: {}", where, line_no, what); };
        if (j.is_discarded() || !j.is_object()) bad("not a JSON object");
        if (!j.contains("context") || !j["context"].is_string()) bad("\"context\" must be a string");
        if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].size() < 2)
            bad("\"choices\" must be an array of at least two strings");
        if (!j.contains("label") || !j["label"].is_number_integer()) bad("\"label\" must be an integer");
        McTask t;
        t.context = j["context"].get<std::string>();
        for (const auto& c : j["choices"]) {
            if (!c.is_string()) bad("\"choices\" must be an array of at least two strings");
            t.choices.push_back(c.get<std::string>());
        }
        const auto label = j["label"].get<std::int64_t>();
        if (label < 0 || label >= static_cast<std::int64_t>(t.choices.size())) bad("\"label\" is not a choice index");
        t.label = static_cast<int>(label);
        tasks.push_back(std::move(t));
    }
    if (tasks.empty()) fail("{}: no tasks", where);
    return tasks;
}

}  // namespace qforge
