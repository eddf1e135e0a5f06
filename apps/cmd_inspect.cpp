// qforge inspect FILE_OR_DIR [--json] [--no-tensors]
#include <algorithm>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "core/tensor_view.h"
#include "formats/inventory.h"
#include "qforge/qforge.h"

namespace qforge::cli {
namespace {

void print_text(const Inventory& inv, bool tensors) {
    fmt::print("file:    {}\nformat:  {}\n", inv.path, inv.format);
    fmt::print("\nmetadata ({} keys):\n", inv.metadata.size());
    std::size_t width = 0;
    for (const auto& e : inv.metadata) width = std::max(width, e.key.size());
    for (const auto& e : inv.metadata) fmt::print("  {:<{}}  {:<7} {}\n", e.key, width, e.type, e.display);
    if (tensors) {
        fmt::print("\ntensors ({}):\n", inv.tensors.size());
        std::size_t nw = 4;
        for (const auto& t : inv.tensors) nw = std::max(nw, t.name.size());
        fmt::print("  {:<{}}  {:<8} {:<22} {:>12}\n", "name", nw, "type", "shape (ne)", "bytes");
        for (const auto& t : inv.tensors)
            fmt::print("  {:<{}}  {:<8} {:<22} {:>12}\n", t.name, nw, type_name(t.type), shape_string(t.ne), t.bytes);
    }
    fmt::print("\ntotal: {} tensors, {} parameters, {} bytes of tensor data ({:.2f} MiB), {:.4f} bits per weight\n",
               inv.tensors.size(), inv.total_elements, inv.total_bytes,
               static_cast<double>(inv.total_bytes) / (1024.0 * 1024.0), inv.bits_per_weight());
}

}  // namespace

void add_inspect_command(CLI::App& app) {
    struct Args {
        std::string path;
        bool json = false, no_tensors = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("inspect", "Show metadata, tensors and size of a GGUF, safetensors, HF or llama2.c model");
    cmd->add_option("path", args->path, "File or checkpoint directory")->required();
    cmd->add_flag("--json", args->json, "Machine-readable output");
    cmd->add_flag("--no-tensors", args->no_tensors, "Leave out the tensor table");
    cmd->callback([args] {
        if (args->json) {
            fmt::print("{}\n", inspect_json(args->path));
            return;
        }
        print_text(take_inventory(args->path), !args->no_tensors);
    });
}

}  // namespace qforge::cli
