// qforge command-line entry point: subcommands, and one error line with exit code 1 on any failure.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
    CLI::App app{"qforge: quantize, convert, run and measure LLMs"};
    app.set_version_flag("--version", std::string("qforge ") + QFORGE_VERSION);
    app.require_subcommand(1);
    qforge::cli::add_inspect_command(app);
    qforge::cli::add_convert_command(app);
    qforge::cli::add_tokenize_command(app);
    qforge::cli::add_perplexity_command(app);
    qforge::cli::add_run_command(app);
    qforge::cli::add_quantize_command(app);
    qforge::cli::add_imatrix_command(app);
    qforge::cli::add_eval_command(app);
    qforge::cli::add_bench_command(app);
    qforge::cli::add_advise_command(app);
    qforge::cli::add_report_command(app);
    qforge::cli::add_serve_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 1;  // --help and --version succeed; usage errors exit 1 like other errors
    } catch (const qforge::Error& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        fmt::print(stderr, "error: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return 1;
    }
    return 0;
}
