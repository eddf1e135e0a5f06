// qforge tokenize -m MODEL (-p TEXT | -f FILE) [--ids] [--no-bos] [--no-parse-special] [--show-count] [--json]
// Output lines follow llama-tokenize: "<id> -> '<piece>'", or "[id, id, ...]" with --ids.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "text_file.h"
#include "core/error.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_tokenize_command(CLI::App& app) {
    struct Args {
        std::string model, prompt, file;
        bool ids = false, no_bos = false, no_parse_special = false, show_count = false, json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("tokenize", "Tokenize text with a GGUF model's tokenizer");
    cmd->add_option("-m,--model", args->model, "GGUF model or vocabulary file")->required();
    auto* p = cmd->add_option("-p,--prompt", args->prompt, "Text to tokenize");
    auto* f = cmd->add_option("-f,--file", args->file, "Read the text from a file");
    p->excludes(f);
    cmd->add_flag("--ids", args->ids, "Print only the ids, as a list");
    cmd->add_flag("--no-bos", args->no_bos, "Do not add BOS/EOS");
    cmd->add_flag("--no-parse-special", args->no_parse_special, "Treat special-token text as plain text");
    cmd->add_flag("--show-count", args->show_count, "Print the number of tokens");
    cmd->add_flag("--json", args->json, "Print {\"ids\": [...], \"pieces\": [...]}");
    cmd->callback([args, p, f] {
        TokenizeRequest req;
        req.model = args->model;
        if (f->count() > 0) {
            req.text = read_text_file(args->file);
        } else if (p->count() > 0) {
            req.text = args->prompt;
        } else {
            fail("tokenize: give the text with -p TEXT or -f FILE");
        }
        req.add_special = !args->no_bos;
        req.parse_special = !args->no_parse_special;
        const TokenizeResult r = tokenize(req);
        if (args->json) {
            nlohmann::json j = {{"ids", r.ids}, {"pieces", r.pieces}};
            fmt::print("{}\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        } else if (args->ids) {
            fmt::print("[{}]\n", fmt::join(r.ids, ", "));
        } else {
            for (std::size_t i = 0; i < r.ids.size(); ++i) fmt::print("{:6d} -> '{}'\n", r.ids[i], r.pieces[i]);
        }
        if (args->show_count) fmt::print("Total number of tokens: {}\n", r.ids.size());
    });
}

}  // namespace qforge::cli
