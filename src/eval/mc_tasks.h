#pragma once
// Multiple-choice tasks and the files they come in: llama.cpp's HellaSwag text format (6 lines per task:
// context, gold index, four endings) and JSON lines {"context": ..., "choices": [...], "label": N} for any other
// task (ARC, TruthfulQA mc1, ...).
#include <string>
#include <vector>

namespace qforge {

struct McTask {
    std::string context;
    std::vector<std::string> choices;
    int label = 0;  // index of the right choice
};

// `where` names the file in errors.
std::vector<McTask> parse_hellaswag_text(const std::string& text, const std::string& where);
std::vector<McTask> parse_mc_jsonl(const std::string& text, const std::string& where);

}  // namespace qforge
