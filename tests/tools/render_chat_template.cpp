// Renders a chat template with a context, for comparing qforge's renderer with reference renderers
// (tests/clients/render_templates.mjs).
//   render_chat_template TEMPLATE_FILE CONTEXT_JSON [--now EPOCH_SECONDS]
//   render_chat_template --builtin NAME CONTEXT_JSON [--now EPOCH_SECONDS]
//   render_chat_template --print-builtin NAME | --list-builtins
// Prints the prompt exactly (no newline added); on failure prints the error to stderr and exits 1.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/chat_template.h"
#include "core/error.h"

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) qforge::fail("cannot open {}", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

int usage() {
    std::fprintf(stderr,
                 "usage: render_chat_template TEMPLATE_FILE CONTEXT_JSON [--now EPOCH_SECONDS]\n"
                 "       render_chat_template --builtin NAME CONTEXT_JSON [--now EPOCH_SECONDS]\n"
                 "       render_chat_template --print-builtin NAME | --list-builtins\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string first = argc > 1 ? argv[1] : "";
        if (first == "--list-builtins" && argc == 2) {
            for (const auto& name : qforge::chat::builtin_chat_template_names()) std::cout << name << '\n';
            return 0;
        }
        if (first == "--print-builtin" && argc == 3) {
            auto source = qforge::chat::builtin_chat_template(argv[2]);
            if (!source) qforge::fail("no built-in chat template named '{}'", argv[2]);
            std::cout << *source;
            return 0;
        }
        int i = 1;
        std::string source;
        if (first == "--builtin" && argc >= 4) {
            auto builtin = qforge::chat::builtin_chat_template(argv[2]);
            if (!builtin) qforge::fail("no built-in chat template named '{}'", argv[2]);
            source = *builtin;
            i = 3;
        } else if (argc >= 3 && first.rfind("--", 0) != 0) {
            source = read_file(argv[1]);
            i = 2;
        } else {
            return usage();
        }
        const std::string context_path = argv[i++];
        qforge::chat::RenderOptions options;
        for (; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--now" && i + 1 < argc) {
                options.now = std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(argv[++i])));
            } else {
                return usage();
            }
        }
        const auto context = nlohmann::ordered_json::parse(read_file(context_path));
        const qforge::chat::ChatTemplate tmpl(std::move(source));
        const std::string prompt = tmpl.render(context, options);
        std::fwrite(prompt.data(), 1, prompt.size(), stdout);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
