// qforge advise (--model PATH | --params 70B [--layers L --hidden H --kv-heads K]) [--memory 24GB]
//               [--device cpu|nvidia|apple] [--gpu-arch hopper] [--ctx 8192] [--batch N] [--bandwidth GB/s]
//               [--priority quality|balanced|size] [--report report.json] [--json]
// Which format fits, what it costs, how fast it decodes, and which one to take.
#include <algorithm>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {
namespace {

// Sizes in GiB, or MiB for models under a GiB.
struct Unit {
    const char* name;
    double bytes;
    std::string operator()(double b) const { return fmt::format("{:.2f}", b / bytes); }
};

}  // namespace

void add_advise_command(CLI::App& app) {
    auto req = std::make_shared<AdviseRequest>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("advise", "Which format fits which hardware and memory, computed from the model");
    cmd->add_option("--model,-m", req->model, "GGUF file or Hugging Face checkpoint directory");
    cmd->add_option("--params", req->params, "Parameter count (70B, 8B, ...) when there is no model file");
    cmd->add_option("--layers", req->layers, "Override the assumed number of layers");
    cmd->add_option("--hidden", req->hidden, "Override the assumed hidden size");
    cmd->add_option("--kv-heads", req->kv_heads, "Override the assumed number of KV heads");
    cmd->add_option("--device", req->device, "cpu, nvidia or apple")->check(CLI::IsMember({"cpu", "nvidia", "apple"}));
    cmd->add_option("--gpu-arch", req->gpu_arch, "NVIDIA architecture (hopper and ada run FP8)");
    cmd->add_option("--memory", req->memory, "Memory available to the model (24GB, 8GiB)");
    cmd->add_option("--ctx", req->context, "Context length to hold in the KV cache")->check(CLI::Range(1, 1 << 24));
    cmd->add_option("--batch", req->batch, "Sequences decoded together")->check(CLI::Range(1, 1 << 16));
    cmd->add_option("--bandwidth", req->bandwidth_gbs, "Memory bandwidth in GB/s (default: measured on the CPU)");
    cmd->add_option("--priority", req->priority, "quality, balanced or size")->check(CLI::IsMember({"quality", "balanced", "size"}));
    cmd->add_option("--report", req->report, "report.json from qforge report: quote measured KLD");
    cmd->add_flag("--json", *json, "Print the result as JSON");
    cmd->callback([req, json] {
        const AdviseReport a = advise(*req);
        if (*json) {
            nlohmann::json rows = nlohmann::json::array();
            for (const auto& r : a.rows) {
                nlohmann::json row = {{"format", r.format}, {"family", r.family}, {"bits_per_weight", r.bits_per_weight},
                                      {"weights_bytes", r.weights_bytes}, {"kv_bytes", r.kv_bytes},
                                      {"overhead_bytes", r.overhead_bytes}, {"total_bytes", r.total_bytes},
                                      {"fits", r.fits}, {"decode_tps", r.decode_tps}};
                if (r.measured_kld >= 0) row["measured_kld"] = r.measured_kld;
                rows.push_back(row);
            }
            fmt::print("{}\n", nlohmann::json{{"source", a.source}, {"parameters", a.parameters}, {"layers", a.layers},
                                              {"hidden", a.hidden}, {"heads", a.heads}, {"kv_heads", a.kv_heads},
                                              {"head_dim", a.head_dim}, {"device", a.device},
                                              {"bandwidth_gbs", a.bandwidth_gbs}, {"bandwidth_source", a.bandwidth_source},
                                              {"memory_bytes", a.memory_bytes}, {"context", a.context},
                                              {"batch", a.batch}, {"formats", rows}, {"recommended", a.recommended},
                                              {"reason", a.reason}}
                                   .dump(2));
            return;
        }
        fmt::print("model: {} ({:.2f} B parameters; {} layers, hidden {}, {} heads, {} KV heads of {})\n", a.source,
                   static_cast<double>(a.parameters) / 1e9, a.layers, a.hidden, a.heads, a.kv_heads, a.head_dim);
        double largest = 0;
        for (const auto& r : a.rows) largest = std::max(largest, r.total_bytes);
        const Unit gib = largest >= 1024.0 * 1024.0 * 1024.0 ? Unit{"GiB", 1024.0 * 1024.0 * 1024.0} : Unit{"MiB", 1024.0 * 1024.0};
        fmt::print("device: {}, memory {}, context {} x batch {}, bandwidth {:.1f} GB/s ({})\n\n", a.device,
                   a.memory_bytes > 0 ? gib(a.memory_bytes) + " " + gib.name : std::string("unlimited"), a.context,
                   a.batch, a.bandwidth_gbs, a.bandwidth_source);
        fmt::print("| format | bpw | weights {0} | KV {0} | overhead {0} | total {0} | fits | decode t/s | KLD |\n", gib.name);
        fmt::print("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
        for (const auto& r : a.rows)
            fmt::print("| {} | {:.2f} | {} | {} | {} | {} | {} | {:.1f} | {} |\n", r.format, r.bits_per_weight,
                       gib(r.weights_bytes), gib(r.kv_bytes), gib(r.overhead_bytes), gib(r.total_bytes),
                       r.fits ? "yes" : "no", r.decode_tps, r.measured_kld >= 0 ? fmt::format("{:.5f}", r.measured_kld) : "-");
        if (a.recommended.empty()) fmt::print("\nrecommendation: none — {}\n", a.reason);
        else fmt::print("\nrecommendation: {} — {}\n", a.recommended, a.reason);
    });
}

}  // namespace qforge::cli
