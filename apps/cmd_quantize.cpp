// qforge quantize IN OUT TYPE [options]: llama-quantize's flags and summary lines; --json for machines.
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "qforge/qforge.h"

namespace qforge::cli {

void add_quantize_command(CLI::App& app) {
    auto req = std::make_shared<QuantizeRequest>();
    auto quiet = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("quantize", "Quantize a model to a GGUF type or mix (as llama-quantize)");
    cmd->add_option("input", req->input, "Input GGUF, Hugging Face checkpoint directory or llama2.c checkpoint")->required();
    cmd->add_option("output", req->output, "Output GGUF (a checkpoint directory with --format gptq|awq|fp8|mlx)")->required();
    cmd->add_option("type", req->type, "llama-quantize's type or mix name (F16, Q4_0, Q8_0, Q2_K, Q4_K_M, IQ4_XS, ...); not with --format gptq|awq");
    cmd->add_flag("--pure", req->pure, "Every quantizable tensor in TYPE (no per-tensor mix)");
    cmd->add_flag("--allow-requantize", req->allow_requantize, "Allow quantizing already quantized tensors");
    cmd->add_flag("--leave-output-tensor", req->leave_output_tensor, "Keep output.weight as it is");
    cmd->add_option("--imatrix", req->imatrix, "Importance matrix (llama-imatrix's .dat or GGUF layout)");
    cmd->add_option("--include-weights", req->include_weights, "Use the importance matrix only for tensors whose name contains this (repeatable)")
        ->take_all();
    cmd->add_option("--exclude-weights", req->exclude_weights, "Do not use the importance matrix for tensors whose name contains this (repeatable)")
        ->take_all();
    cmd->add_option("--override-kv", req->kv_overrides, "KEY=TYPE:VALUE metadata for the output (TYPE int, float, bool or str; repeatable)")
        ->take_all();
    cmd->add_option("--output-tensor-type", req->output_tensor_type, "Type for output.weight (e.g. q8_0)");
    cmd->add_option("--token-embedding-type", req->token_embedding_type, "Type for token_embd.weight");
    cmd->add_option("--tensor-type", req->tensor_types, "REGEX=TYPE: tensors whose name matches get TYPE (repeatable)")
        ->take_all();
    cmd->add_option("--method", req->method, "rtn (llama.cpp's quantizers), gptq or awq (calibrated layer by layer on --calib)")
        ->check(CLI::IsMember({"rtn", "gptq", "awq"}));
    cmd->add_option("--calib", req->calib, "Calibration text for --method gptq or awq");
    cmd->add_option("--calib-samples", req->calib_samples, "Calibration samples (chunks of --calib-ctx tokens)")->check(CLI::Range(1, 1 << 20));
    cmd->add_option("--calib-ctx", req->calib_ctx, "Tokens per calibration sample")->check(CLI::Range(4, 1 << 20));
    cmd->add_option("--seed", req->seed, "Which calibration chunks, when the text holds more than --calib-samples");
    cmd->add_flag("!--no-clip", req->awq_clip, "AWQ: skip the clipping search");
    cmd->add_option("--bits", req->bits, "INTn grid of AutoGPTQ/AutoAWQ (2..8) instead of GGUF types, stored dequantized in TYPE F32/F16");
    cmd->add_option("--group-size", req->group_size, "Columns per INTn group (-1: whole row)");
    cmd->add_flag("--sym", req->symmetric, "Symmetric INTn grid (no zero point)");
    cmd->add_flag("--act-order", req->act_order, "GPTQ: columns in order of decreasing Hessian diagonal");
    cmd->add_option("--format", req->format,
                    "Output: gguf, or a Hugging Face checkpoint directory in AutoGPTQ's (gptq) or AutoAWQ's GEMM (awq) layout "
                    "on the INTn grid of --bits (default 4) and --group-size, FP8 E4M3 weights with scales (fp8), or an mlx-lm "
                    "directory on MLX's affine grid of --bits and --group-size (mlx; default group 64)")
        ->check(CLI::IsMember({"gguf", "gptq", "awq", "fp8", "mlx"}));
    cmd->add_option("--quant-predicate", req->quant_predicate,
                    "--format mlx: mlx_lm.convert's mixed bits: mixed_2_6, mixed_3_4, mixed_3_6 or mixed_4_6 (v_proj and down_proj of "
                    "some layers and lm_head at the higher bits)")
        ->check(CLI::IsMember({"mixed_2_6", "mixed_3_4", "mixed_3_6", "mixed_4_6"}));
    cmd->add_option("--fp8-scheme", req->fp8_scheme,
                    "--format fp8: channel (a scale per output row, compressed-tensors' FP8_DYNAMIC), tensor (one scale, vLLM's "
                    "fp8 method) or block (128x128 blocks, weight_scale_inv, as DeepSeek-V3 and Qwen3)")
        ->check(CLI::IsMember({"channel", "tensor", "block"}));
    cmd->add_option("--max-shard-size", req->max_shard_bytes,
                    "Checkpoints: bytes per model-0000i-of-0000N.safetensors shard (0: one file; default 5000000000)");
    cmd->add_option("--damp", req->damp, "GPTQ damping, a fraction of the mean Hessian diagonal")->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--target-bpw", req->target_bpw,
                    "Mixed precision to a budget: a type per tensor so the tensors average this many bits per weight, "
                    "chosen for the least loss (measured on --calib, else the importance-weighted error); no TYPE")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--target-size", req->target_size, "Mixed precision to a file size (3.2GiB, 3500MB, bytes); no TYPE");
    cmd->add_option("--budget-types", req->budget_types, "Candidate types for a budget plan (default: Q2_K..Q8_0, i-quants, legacy types, F16; with --method gptq the types GPTQ rounds onto)")
        ->take_all()
        ->delimiter(',');
    cmd->add_option("--budget-samples", req->budget_samples, "Calibration chunks the budget plan's KL-divergence probes run on (default 8)")
        ->check(CLI::Range(1, 1 << 20));
    cmd->add_flag("--keep-split", req->keep_split, "Write the output in the same shards as a sharded GGUF input (OUT without .gguf, then -0000i-of-0000n.gguf)");
    cmd->add_option("--split-max-size", req->split_max_size, "Cut the GGUF output into shards of at most N(M|G) tensor bytes, as gguf-split does");
    cmd->add_option("--split-max-tensors", req->split_max_tensors, "Cut the GGUF output into shards of at most N tensors, as gguf-split does")
        ->check(CLI::Range(1, 1 << 30));
    cmd->add_flag("--no-tensor-first-split", req->no_tensor_first_split, "With --split-max-*: the first shard holds the metadata alone");
    cmd->add_option("-t,--threads", req->threads, "Threads (default: one per physical core)");
    cmd->add_flag("-q,--quiet", *quiet, "No progress bar");
    cmd->add_flag("--json", *json, "Print the summary as JSON on stdout");
    auto* group_option = cmd->get_option("--group-size");
    cmd->callback([req, quiet, json, group_option] {
        req->progress = !*quiet && !*json;
        if (req->format == "mlx" && group_option->count() == 0) req->group_size = 64;  // mlx-lm's default
        const bool checkpoint = req->format != "gguf";
        if (checkpoint && !req->type.empty())
            throw CLI::ValidationError("type", "--format " + req->format + " writes the INTn grid of --bits; drop '" + req->type + "'");
        const bool budget = req->target_bpw > 0 || !req->target_size.empty();
        if (!checkpoint && !budget && req->type.empty()) throw CLI::RequiredError("type");
        const QuantizeResult r = quantize(*req);
        for (const auto& w : r.warnings) fmt::print(stderr, "quantize: warning: {}\n", w);
        if (r.fallbacks > 0)
            fmt::print(stderr, "quantize: WARNING: {} of {} tensor(s) required fallback quantization\n", r.fallbacks,
                       r.quantized);
        auto mib = [](std::uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); };
        if (*json) {
            nlohmann::json j = {{"input", req->input},          {"output", req->output},
                                {"type", req->type},            {"tensors", r.tensors},
                                {"quantized", r.quantized},     {"bytes_before", r.bytes_before},
                                {"bytes_after", r.bytes_after}, {"bpw_before", r.bpw_before},
                                {"bpw_after", r.bpw_after},     {"fallbacks", r.fallbacks},
                                {"method", req->method},        {"format", req->format},
                                {"gptq_tensors", r.gptq_tensors},
                                {"calibrated_tensors", r.calibrated_tensors},
                                {"awq_scaled_groups", r.awq_scaled_groups},
                                {"calib_samples", r.calib_samples},
                                {"layer_seconds", r.layer_seconds},
                                {"int_checkpoint_bytes", r.int_checkpoint_bytes},
                                {"int_checkpoint_bpw", r.int_checkpoint_bpw},
                                {"outputs", r.outputs},
                                {"warnings", r.warnings}};
            if (budget) {
                nlohmann::json tensors = nlohmann::json::array();
                for (const auto& t : r.budget_tensors)
                    tensors.push_back({{"name", t.name}, {"type", t.type}, {"elements", t.elements}, {"bytes", t.bytes},
                                       {"bpw", 8.0 * static_cast<double>(t.bytes) / static_cast<double>(t.elements)},
                                       {"cost", t.cost}, {"probe_kld", t.probe_kld}, {"probe_type", t.probe_type}});
                j["budget"] = {{"target_bpw", req->target_bpw}, {"target_size", req->target_size},
                               {"tensor_bytes_allowed", r.budget_tensor_bytes},
                               {r.budget_measured_kld ? "estimated_kld" : "estimated_error", r.budget_estimated_cost},
                               {"tensors", tensors}};
            }
            fmt::print("{}\n", j.dump(2));
            return;
        }
        if (budget) {
            fmt::print(stderr, "quantize: budget plan ({}):\n", r.budget_measured_kld ? "cost = estimated KL-divergence it adds"
                                                                                       : "cost = relative output error, no --calib");
            fmt::print(stderr, "quantize: {:<32} {:>8} {:>6} {:>12}\n", "tensor", "type", "bpw", "cost");
            for (const auto& t : r.budget_tensors)
                fmt::print(stderr, "quantize: {:<32} {:>8} {:>6.2f} {:>12.6g}\n", t.name, t.type,
                           8.0 * static_cast<double>(t.bytes) / static_cast<double>(t.elements), t.cost);
            fmt::print(stderr, "quantize: budget {}: estimated {} {:.6f}\n",
                       req->target_bpw > 0 ? fmt::format("{} bpw", req->target_bpw) : req->target_size,
                       r.budget_measured_kld ? "KL-divergence" : "relative error", r.budget_estimated_cost);
        }
        fmt::print(stderr, "quantize: model size  = {:8.2f} MiB ({:.2f} BPW)\n", mib(r.bytes_before), r.bpw_before);
        fmt::print(stderr, "quantize: quant size  = {:8.2f} MiB ({:.2f} BPW)\n", mib(r.bytes_after), r.bpw_after);
        if (req->format == "mlx")
            fmt::print(stderr, "quantize: {} modules on MLX's affine grid, {} bits{} in groups of {} ({} tensors) into {}\n", r.quantized,
                       req->bits == 0 ? 4 : req->bits, req->quant_predicate.empty() ? "" : " (" + req->quant_predicate + ")",
                       req->group_size, r.tensors, req->output);
        else if (req->format == "fp8")
            fmt::print(stderr, "quantize: {} linear layers as FP8 E4M3 with {} scales ({} tensors) into {}\n", r.quantized,
                       req->fp8_scheme == "channel" ? "per-channel" : req->fp8_scheme == "tensor" ? "per-tensor" : "128x128 block",
                       r.tensors, req->output);
        else if (checkpoint)
            fmt::print(stderr, "quantize: {} linear layers packed as INT{} g{} in {} layout ({} tensors) into {}\n", r.quantized,
                       req->bits == 0 ? 4 : req->bits, req->group_size, req->format == "gptq" ? "AutoGPTQ's" : "AutoAWQ's GEMM",
                       r.tensors, req->output);
        else
            fmt::print(stderr, "quantize: {} of {} tensors quantized to {}\n", r.quantized, r.tensors,
                       budget ? std::string("a budget plan") : req->type);
        if (r.outputs.size() > 1 || (!r.outputs.empty() && r.outputs.front() != req->output))
            for (const auto& path : r.outputs) fmt::print(stderr, "quantize: wrote {}\n", path);
        if (req->bits != 0 && !checkpoint)
            fmt::print(stderr, "quantize: linear weights on the INT{} g{} grid, stored dequantized; as an AutoGPTQ checkpoint: {:.2f} MiB ({:.2f} BPW)\n",
                       req->bits, req->group_size, mib(r.int_checkpoint_bytes), r.int_checkpoint_bpw);
        if (req->method == "gptq")
            fmt::print(stderr, "quantize: {} tensors written by GPTQ, {} rounded after calibration ({} samples)\n",
                       r.gptq_tensors, r.calibrated_tensors, r.calib_samples);
        if (req->method == "awq")
            fmt::print(stderr, "quantize: {} tensors rounded after AWQ, {} scaling groups folded in ({} samples)\n",
                       r.calibrated_tensors, r.awq_scaled_groups, r.calib_samples);
        if (r.calibrated_experts + r.experts_without_tokens > 0)
            fmt::print(stderr, "quantize: {} experts calibrated on the tokens routed to them, {} with no calibration token (rounded to nearest)\n",
                       r.calibrated_experts, r.experts_without_tokens);
    });
}

}  // namespace qforge::cli
