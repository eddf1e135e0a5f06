#include "eval/advise/advisor.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/error.h"
#include "eval/advise/memory_bandwidth.h"

namespace qforge {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// Runtime memory beyond weights and KV cache: compute buffers (and on a GPU the CUDA context and cuBLAS
// workspace), plus 2 % of the weights for alignment and bookkeeping.
double overhead_bytes(const std::string& device, double weight_bytes) {
    const double fixed = device == "nvidia" ? 1.0 * kGiB : device == "apple" ? 0.5 * kGiB : 0.25 * kGiB;
    return fixed + 0.02 * weight_bytes;
}

std::vector<FormatSize> candidate_formats(const ModelShape& s, const AdviseOptions& o) {
    std::vector<FormatSize> f;
    if (o.device == "nvidia") {
        f.push_back(gguf_format_size(s, "F16"));
        f.back().name = "F16";
        f.push_back(fp8_size(s));
        f.push_back(grouped_int_size(s, "gptq", 8, 128));
        f.push_back(grouped_int_size(s, "awq", 4, 128));
        f.push_back(grouped_int_size(s, "gptq", 4, 128));
        f.push_back(grouped_int_size(s, "gptq", 3, 128));
        f.push_back(gguf_format_size(s, "Q4_K_M"));
        return f;
    }
    if (o.device == "apple")  // mlx-lm's layouts (qforge quantize --format mlx), beside llama.cpp's Metal files
        for (int bits : {8, 6, 4, 3}) f.push_back(mlx_size(s, bits, 64));
    else  // CTranslate2's int8 (qforge convert --format ctranslate2), beside llama.cpp's files
        f.push_back(ctranslate2_int8_size(s));
    for (const char* mix : {"F16", "Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "IQ4_XS", "Q3_K_M", "Q2_K", "IQ2_XS", "IQ2_XXS"})
        f.push_back(gguf_format_size(s, mix));
    return f;
}

const FormatFit* find(const std::vector<FormatFit>& fits, const std::string& name) {
    for (const auto& f : fits)
        if (f.size.name == name) return &f;
    return nullptr;
}

// The first of `order` that fits.
const FormatFit* first_fitting(const std::vector<FormatFit>& fits, std::initializer_list<const char*> order) {
    for (const char* name : order)
        if (const FormatFit* f = find(fits, name); f != nullptr && f->fits) return f;
    return nullptr;
}

// How many more bits per weight a budget plan must hold than the fixed mix that fits, to be recommended
// instead: below this the mix's simplicity wins.
constexpr double kBudgetMargin = 0.25;

// What the memory leaves for weights: weights + KV + overhead(weights) <= memory, as a budget plan for
// qforge quantize --target-size. None without a memory limit, above Q8_0 (take Q8_0) or below the smallest
// plan the candidates allow (all IQ2_XXS).
std::optional<FormatSize> budget_plan_size(const ModelShape& s, const AdviseOptions& o, double kv) {
    if (!o.memory_bytes || o.device == "nvidia") return std::nullopt;
    const double fixed = overhead_bytes(o.device, 0.0);
    const double room = (*o.memory_bytes - kv - fixed) / 1.02;
    const FormatSize q8 = gguf_format_size(s, "Q8_0"), smallest = gguf_format_size(s, "IQ2_XXS");
    if (room >= static_cast<double>(q8.weight_bytes) || room < static_cast<double>(smallest.weight_bytes)) return std::nullopt;
    FormatSize f;
    f.weight_bytes = static_cast<std::uint64_t>(room);
    f.bits_per_weight = q8.bits_per_weight * room / static_cast<double>(q8.weight_bytes);
    f.name = fmt::format("budget plan {:.2f} bpw", f.bits_per_weight);
    f.family = "gguf-budget";
    return f;
}

std::string size_text(double bytes) {
    return bytes >= kGiB ? fmt::format("{:.2f}GiB", std::floor(bytes / kGiB * 100) / 100)
                         : fmt::format("{:.1f}MiB", std::floor(bytes / (1024.0 * 1024.0) * 10) / 10);
}

// A budget plan in place of the fixed pick, where it holds clearly more bits.
bool prefer_budget_plan(Advice& a, const AdviseOptions& o) {
    const FormatFit* plan = nullptr;
    for (const auto& f : a.formats)
        if (f.size.family == "gguf-budget" && f.fits) plan = &f;
    if (plan == nullptr || o.priority == "size") return false;
    const FormatFit* fixed = find(a.formats, a.recommended);
    if (fixed != nullptr && (fixed->size.name == "Q8_0" || fixed->size.name == "Q6_K" || fixed->size.name == "F16")) return false;
    const double fixed_bpw = fixed != nullptr ? fixed->size.bits_per_weight : 0.0;
    if (plan->size.bits_per_weight < fixed_bpw + kBudgetMargin) return false;
    std::string why = fmt::format(
        "the memory leaves {} for weights, more than {} takes: a budget plan fills it ({:.2f} bpw{}), each tensor's type "
        "chosen by its measured effect on the output (qforge quantize MODEL OUT.gguf --target-size {} --imatrix FILE "
        "--calib TEXT); on pydoc6m budget plans had 0.34-0.61x the KL-divergence of llama.cpp's imatrix mixes at their sizes",
        size_text(static_cast<double>(plan->size.weight_bytes)), fixed != nullptr ? fixed->size.name : "any fixed mix",
        plan->size.bits_per_weight, fixed != nullptr ? fmt::format(" against {:.2f}", fixed_bpw) : "",
        size_text(static_cast<double>(plan->size.weight_bytes)));
    if (plan->measured_kld)
        why += fmt::format("; the report measured KLD {:.6f} for its {:.2f} bpw plan{}", *plan->measured_kld, *plan->measured_at_bpw,
                           fixed != nullptr && fixed->measured_kld ? fmt::format(" ({} {:.6f})", fixed->size.name, *fixed->measured_kld) : "");
    a.recommended = plan->size.name;
    a.reason = std::move(why);
    return true;
}

void recommend_fixed(Advice& a, const AdviseOptions& o) {
    const auto& fits = a.formats;
    auto pick = [&](const FormatFit* f, std::string why) {
        if (f == nullptr) return false;
        a.recommended = f->size.name;
        a.reason = std::move(why);
        return true;
    };
    if (o.device == "nvidia") {
        const bool fp8 = o.gpu_arch == "hopper" || o.gpu_arch == "ada";
        if (fp8 && o.priority != "size" &&
            pick(first_fitting(fits, {"FP8 (e4m3)"}), "FP8 runs natively on Hopper/Ada tensor cores at half of F16's memory, "
                                                      "with accuracy close to F16"))
            return;
        if (o.priority != "size" && pick(first_fitting(fits, {"F16"}), "F16 fits the GPU: original precision, no quantization needed"))
            return;
        if (o.priority == "quality" && pick(first_fitting(fits, {"GPTQ INT8 g128"}), "8-bit keeps accuracy within ~1 % and halves F16's memory"))
            return;
        if (pick(first_fitting(fits, {"AWQ INT4 g128"}), "AWQ INT4 for NVIDIA serving (vLLM, TGI): fastest 4-bit kernels and "
                                                        "accuracy closest to F16 among 4-bit GPU formats"))
            return;
        if (pick(first_fitting(fits, {"GPTQ INT3 g128", "Q4_K_M"}),
                 "only a 3-bit GPU format fits; expect a clear accuracy loss (or offload part of the model)"))
            return;
    } else {
        if (o.device == "apple") {
            const char* mlx = " (qforge quantize MODEL OUT_DIR --format mlx; mlx-lm runs it with Apple's own kernels)";
            if (o.priority == "quality" && pick(first_fitting(fits, {"MLX INT8 g64"}), std::string("MLX 8-bit: practically lossless") + mlx))
                return;
            if (o.priority == "size" && pick(first_fitting(fits, {"MLX INT4 g64", "MLX INT3 g64"}),
                                             std::string("the smallest good MLX grid: decode speed follows bytes read per token") + mlx))
                return;
            if (o.priority != "size" && pick(first_fitting(fits, {"MLX INT6 g64", "MLX INT4 g64"}),
                                             std::string("MLX on Apple silicon: the larger of 6 and 4 bits that fits (4-bit is mlx-lm's "
                                                         "default; --method gptq|awq calibrates on its grid)") + mlx))
                return;
        }
        const char* where = o.device == "apple" ? "Apple silicon (llama.cpp Metal)" : "the CPU (llama.cpp, Ollama)";
        if (o.priority == "quality" && pick(first_fitting(fits, {"Q8_0"}), std::string("Q8_0 on ") + where +
                                                                              ": quality paramount, practically lossless"))
            return;
        if (o.priority == "size" &&
            pick(first_fitting(fits, {"Q4_K_M", "IQ4_XS", "Q3_K_M", "Q2_K"}),
                 std::string("the smallest good k-quant on ") + where + ": decode speed follows bytes read per token"))
            return;
        if (pick(first_fitting(fits, {"Q6_K", "Q5_K_M", "Q4_K_M"}),
                 std::string("GGUF k-quants on ") + where + ": the largest of Q6_K/Q5_K_M/Q4_K_M that fits (Q4_K_M is the "
                 "usual sweet spot of size and quality)"))
            return;
        if (pick(first_fitting(fits, {"IQ4_XS", "Q3_K_M", "Q2_K"}),
                 std::string("only a sub-4.5-bit GGUF type fits on ") + where + "; quantize it with an importance matrix "
                 "(qforge imatrix) to limit the loss"))
            return;
        if (pick(first_fitting(fits, {"IQ2_XS", "IQ2_XXS"}),
                 std::string("only a 2-bit i-quant fits on ") + where + ": it needs an importance matrix (qforge imatrix, "
                 "then qforge quantize --imatrix), and quality drops markedly"))
            return;
    }
    a.recommended.clear();
    a.reason = "no format fits the memory at this context and batch: reduce --ctx or --batch, or add memory";
}

void recommend(Advice& a, const AdviseOptions& o) {
    recommend_fixed(a, o);
    if (o.device != "nvidia" && !a.recommended.starts_with("MLX")) prefer_budget_plan(a, o);
}

}  // namespace

double kv_cache_bytes(const ModelShape& s, std::int64_t context, std::int64_t batch) {
    return 2.0 * static_cast<double>(s.layers) * static_cast<double>(context) * static_cast<double>(batch) *
           static_cast<double>(s.kv_heads) * static_cast<double>(s.head_dim) * 2.0;
}

double parse_memory_size(const std::string& text) {
    double value = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value <= 0) fail("--memory '{}': expected a size such as 24GB or 8GiB", text);
    std::string unit(p, text.data() + text.size());
    unit.erase(0, unit.find_first_not_of(' '));
    for (auto& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit == "GB" || unit == "G") return value * 1e9;
    if (unit == "GIB") return value * kGiB;
    if (unit == "MB" || unit == "M") return value * 1e6;
    if (unit == "MIB") return value * 1024.0 * 1024.0;
    if (unit == "TB" || unit == "T") return value * 1e12;
    if (unit == "TIB") return value * kGiB * 1024.0;
    if (unit.empty() || unit == "B") return value;
    fail("--memory '{}': unknown unit '{}' (GB, GiB, MB, MiB, TB)", text, unit);
}

Advice advise(const ModelShape& shape, const AdviseOptions& o) {
    if (o.device != "cpu" && o.device != "nvidia" && o.device != "apple")
        fail("advise: --device '{}' (expected cpu, nvidia or apple)", o.device);
    if (o.context < 1 || o.batch < 1) fail("advise: --ctx and --batch must be positive");
    if (o.priority != "quality" && o.priority != "balanced" && o.priority != "size")
        fail("advise: --priority '{}' (expected quality, balanced or size)", o.priority);
    Advice a;
    a.shape = shape;
    a.device = o.device;
    a.memory_bytes = o.memory_bytes;
    a.context = o.context;
    a.batch = o.batch;
    if (o.bandwidth_gbs) {
        a.bandwidth_gbs = *o.bandwidth_gbs;
        a.bandwidth_source = "given";
    } else if (o.device == "cpu") {
        a.bandwidth_gbs = measure_read_bandwidth_gbs();
        a.bandwidth_source = "measured on this machine";
    } else if (o.device == "nvidia") {
        a.bandwidth_gbs = 1000;
        a.bandwidth_source = "assumed typical of a current NVIDIA GPU (pass --bandwidth)";
    } else {
        a.bandwidth_gbs = 200;
        a.bandwidth_source = "assumed typical of an M-series Pro chip (pass --bandwidth)";
    }
    const double kv = kv_cache_bytes(shape, o.context, o.batch);
    std::vector<FormatSize> sizes = candidate_formats(shape, o);
    const std::size_t n_fixed = sizes.size();
    if (auto plan = budget_plan_size(shape, o, kv)) sizes.push_back(std::move(*plan));
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        FormatSize& size = sizes[i];
        FormatFit f;
        f.kv_bytes = kv;
        f.overhead_bytes = overhead_bytes(o.device, static_cast<double>(size.weight_bytes));
        f.total_bytes = static_cast<double>(size.weight_bytes) + kv + f.overhead_bytes;
        f.fits = !o.memory_bytes || f.total_bytes <= *o.memory_bytes;
        // one decode step reads every weight once and each sequence's KV cache
        f.decode_tps = static_cast<double>(o.batch) * a.bandwidth_gbs * 1e9 / (static_cast<double>(size.weight_bytes) + kv);
        if (auto it = o.measured_kld.find(size.name); it != o.measured_kld.end()) f.measured_kld = it->second;
        if (i >= n_fixed) {  // the budget plan: the report's plan of the most bits that this one also holds
            for (const auto& [bpw, kld] : o.measured_budget_kld)
                if (bpw <= size.bits_per_weight + 1e-9) {
                    f.measured_kld = kld;
                    f.measured_at_bpw = bpw;
                }
        }
        f.size = std::move(size);
        a.formats.push_back(std::move(f));
    }
    recommend(a, o);
    return a;
}

}  // namespace qforge
