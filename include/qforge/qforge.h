#pragma once
// qforge's public C++ API: every job the `qforge` command does is a call here. Plain types only; the
// library's internals (readers, writers, plans) stay behind this header.
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace qforge {

// --- convert -------------------------------------------------------------------------------------------
struct ConvertRequest {
    std::string source;          // Hugging Face directory, llama2.c checkpoint or GGUF
    std::string output;          // .gguf path, or a directory (format "hf"); written atomically
    // "gguf"; "hf": a Hugging Face checkpoint directory (safetensors, config, tokenizer); "ctranslate2": a
    // CTranslate2 decoder directory (model.bin, config.json, vocabulary.json, the tokenizer files)
    std::string format = "gguf";
    std::string quantization = "int8_float16";  // "ctranslate2": int8, int8_float16, int8_bfloat16, float16, bfloat16, float32
    // f32, f16 or bf16 for matrices (GGUF: vectors stay f32); empty: f16 for GGUF, for "hf" a GGUF's float
    // tensors as they are (its quantized ones f16)
    std::string outtype;
    std::uint64_t max_shard_bytes = 5'000'000'000ull;  // "hf": bytes per safetensors shard (0: one file)
    std::string vocab;           // llama2.c tokenizer file; empty = tok<N>.bin or tokenizer.bin beside source
    std::string tokenizer_pre;   // BPE pre-tokenizer name when tokenizer.json's is not recognised
    bool progress = true;        // progress bar on stderr
};

struct ConvertResult {
    std::string input_kind;
    std::size_t tensors = 0;
    std::uint64_t parameters = 0;
    std::uint64_t bytes = 0;  // tensor data written
    // A GPTQ/AWQ checkpoint: one line per way its quantized layers went, e.g.
    // "196 layers (GPTQ INT4 g32 sym) -> Q4_0: exact" or "... -> F16: dequantized".
    std::vector<std::string> quantized_layers;
    // "hf": the safetensors shards written, the tensors dequantized from GGUF block types, config.json's torch_dtype
    std::size_t shards = 0, dequantized = 0;
    std::string torch_dtype;
    std::size_t aliases = 0;  // "ctranslate2": variables written as aliases of others (a tied output projection)
    std::string weights;      // "ctranslate2": the quantization, or an AWQ checkpoint's grid kept
};

// Throws qforge::Error (from core/error.h, a std::runtime_error) with a one-line message on bad input.
ConvertResult convert(const ConvertRequest& request);

// --- quantize -----------------------------------------------------------------------------------------
struct QuantizeRequest {
    std::string input;   // GGUF file, Hugging Face checkpoint directory or llama2.c checkpoint
    std::string output;  // GGUF; written atomically
    std::string type;    // llama-quantize's name: F16, Q4_0, Q8_0, Q2_K, Q4_K_M, IQ4_XS ...
    bool pure = false;   // every quantizable tensor in `type`, no per-tensor mix
    bool allow_requantize = false;
    bool leave_output_tensor = false;
    std::string imatrix;                   // importance matrix file (.dat or GGUF layout); empty: none
    std::string output_tensor_type;        // type for output.weight; empty: the mix's choice
    std::string token_embedding_type;      // type for token_embd.weight; empty: the mix's choice
    std::vector<std::string> tensor_types; // "REGEX=TYPE" overrides, first match wins
    std::vector<std::string> include_weights;  // imatrix only for tensors whose names contain one of these
    std::vector<std::string> exclude_weights;  // no imatrix for tensors whose names contain one of these
    std::vector<std::string> kv_overrides;     // "KEY=TYPE:VALUE" (int, float, bool, str) metadata overrides
    int threads = 0;                       // 0: one per physical core
    bool progress = true;
    // --method gptq | awq: calibrated layer by layer on --calib text (each layer sees the outputs of the
    // already-quantized layers before it). gptq rounds each linear weight onto its planned type's block grid
    // with error feedback; awq rescales and clips the scaling groups first and then rounds with the type's
    // quantizer. Any type or mix; a Hugging Face input is converted to a scratch F32 GGUF first (the model runs).
    std::string method = "rtn";
    std::string calib;                     // calibration text (contents' file)
    std::int64_t calib_samples = 128, calib_ctx = 512;
    std::uint32_t seed = 0;                // which chunks, when the text holds more than calib_samples
    double damp = 0.01;
    bool awq_clip = true;
    // --bits B: AutoGPTQ/AutoAWQ's INTn grid (scale and zero point per --group-size columns) instead of GGUF
    // block types; the weights are stored dequantized in the float output type (F32/F16), for measuring.
    // With --method rtn it needs no calibration. 0: GGUF types.
    int bits = 0;
    int group_size = 128;
    bool symmetric = false;
    bool act_order = false;
    // gguf, or a checkpoint directory in AutoGPTQ's layout (gptq: qweight/qzeros/scales/g_idx, v1 zero points,
    // quantize_config.json) or AutoAWQ's GEMM layout (awq: 4-bit, quantization_config in config.json), on the
    // INTn grid of --bits (default 4) and --group-size, from a Hugging Face input whose config and tokenizer
    // files are copied (or a GGUF, whose metadata gives them); `type` is not used. fp8: an FP8 E4M3 checkpoint
    // (weight F8_E4M3 + scales, dynamic activations) that vLLM loads, scaled per fp8_scheme.
    std::string format = "gguf";
    // fp8: "channel" (a scale per output row; compressed-tensors' FP8_DYNAMIC layout), "tensor" (one scale per
    // weight; vLLM's fp8 method, AutoFP8's layout) or "block" (a scale per 128 x 128 block, weight_scale_inv:
    // DeepSeek-V3's and Qwen3's layout)
    std::string fp8_scheme = "channel";
    // mlx: an mlx-lm quantized directory on MLX's affine grid of `bits` (default 4) and `group_size` (32, 64 or
    // 128; mlx-lm's default is 64, which the CLI passes when --group-size is not given); --method gptq|awq
    // calibrate on that grid. quant_predicate: mlx_lm.convert's mixed_2_6 | mixed_3_4 | mixed_3_6 | mixed_4_6
    // (per-module bits; --method rtn)
    std::string quant_predicate;
    // checkpoints: shards of at most this many bytes of tensor data (model-0000i-of-0000N.safetensors and
    // model.safetensors.index.json, as save_pretrained writes them); 0: one model.safetensors
    std::uint64_t max_shard_bytes = 5'000'000'000ull;
    // --target-bpw B / --target-size S: a type for every tensor to a size budget instead of `type` (which
    // stays empty): each tensor's loss from each candidate type measured (with --calib: KL-divergence probes
    // on budget_samples chunks of calib_ctx tokens; else the importance-weighted output error), then the
    // least total loss that fits. --method gptq quantizes the planned types with GPTQ.
    double target_bpw = 0.0;
    std::string target_size;                // "3.2GiB", "3200MB", bytes
    std::vector<std::string> budget_types;  // candidate types; empty: the default set
    std::int64_t budget_samples = 8;
    // GGUF output in shards, llama.cpp's split layout (OUT without .gguf, then -0000i-of-0000n.gguf):
    // keep_split follows a sharded GGUF input's shards (llama-quantize --keep-split); split_max_size ("500M",
    // "4G") or split_max_tensors cut the output as gguf-split does, no_tensor_first_split leaving the first
    // shard with the metadata alone.
    bool keep_split = false;
    std::string split_max_size;
    int split_max_tensors = 0;
    bool no_tensor_first_split = false;
};

struct QuantizeBudgetTensor {
    std::string name, type;
    std::uint64_t elements = 0, bytes = 0;
    double cost = 0.0;       // estimated KL-divergence it adds (or relative output error without --calib)
    double probe_kld = -1;   // the KL-divergence measured with the tensor alone in probe_type (-1: none)
    std::string probe_type;
};

struct QuantizeResult {
    std::size_t tensors = 0, quantized = 0;
    std::uint64_t bytes_before = 0, bytes_after = 0;
    double bpw_before = 0.0, bpw_after = 0.0;
    int fallbacks = 0;                  // tensors whose rows did not fit the mix's type (llama.cpp's fallbacks)
    int gptq_tensors = 0;               // matrices GPTQ wrote (--method gptq; each expert's counts)
    int calibrated_tensors = 0;         // matrices rounded after calibration (AWQ, or types GPTQ cannot take)
    // mixture of experts: experts calibrated on the tokens routed to them, and those no calibration token was
    // routed to (rounded to nearest with the imatrix's importance where one is given)
    std::int64_t calibrated_experts = 0, experts_without_tokens = 0;
    int awq_scaled_groups = 0;          // AWQ scaling groups folded in
    std::int64_t calib_samples = 0;     // samples the calibration ran
    std::vector<double> layer_seconds;  // calibration time per layer
    // the most calibration held at once: the samples' hidden states, one layer's Hessians, one layer in float
    std::uint64_t calib_activation_bytes = 0, calib_hessian_bytes = 0, calib_layer_weight_bytes = 0;
    // calibration time by part (all layers): forward passes, input statistics (Hessians), AWQ's searches,
    // quantizing (GPTQ's solver); and the solver's arithmetic in floating-point operations
    double calib_forward_seconds = 0, calib_statistics_seconds = 0, calib_awq_seconds = 0, calib_quantize_seconds = 0;
    double calib_quantize_flops = 0;
    std::uint64_t int_checkpoint_bytes = 0;  // --bits: the size of the same weights as an AutoGPTQ checkpoint
    double int_checkpoint_bpw = 0.0;
    std::vector<std::string> warnings;  // one line each: fallbacks, tensors the imatrix does not cover
    // budget plans: every planned tensor's choice, the summed estimate, and whether it is a KL-divergence
    std::vector<QuantizeBudgetTensor> budget_tensors;
    double budget_estimated_cost = 0.0;
    bool budget_measured_kld = false;
    std::uint64_t budget_tensor_bytes = 0;  // what the target allowed the tensors
    std::vector<std::string> outputs;        // the GGUF written, or its shards in order
};

QuantizeResult quantize(const QuantizeRequest& request);

// --- inspect -------------------------------------------------------------------------------------------
struct TensorSummary {
    std::string name;
    std::string type;              // ggml type name ("f32", "q4_K") or safetensors dtype
    std::vector<std::int64_t> ne;  // ggml order: ne[0] is the row length
    std::uint64_t bytes = 0;
};

struct ModelSummary {
    std::string path;
    std::string format;
    std::vector<std::pair<std::string, std::string>> metadata;  // key, abbreviated value
    std::vector<TensorSummary> tensors;
    std::uint64_t total_elements = 0;
    std::uint64_t total_bytes = 0;
    double bits_per_weight = 0.0;
};

ModelSummary inspect(const std::string& path);
// The same as JSON (complete metadata values), as `qforge inspect --json` prints it.
std::string inspect_json(const std::string& path);

// --- tokenize ------------------------------------------------------------------------------------------
struct TokenizeRequest {
    std::string model;          // GGUF file (the tokenizer comes from its metadata)
    std::string text;
    bool add_special = true;    // BOS/EOS as the vocabulary asks
    bool parse_special = true;  // "<s>", "<|im_end|>" ... in the text are special tokens
};

struct TokenizeResult {
    std::vector<std::int32_t> ids;
    std::vector<std::string> pieces;  // the bytes each token stands for (special tokens by their text)
};

TokenizeResult tokenize(const TokenizeRequest& request);

// --- perplexity ----------------------------------------------------------------------------------------
struct PerplexityRequest {
    std::string model;  // GGUF
    std::string text;
    std::int64_t n_ctx = 512;
    std::int64_t n_chunks = -1;  // all
    std::int64_t n_batch = 2048;
    bool allow_beyond_training_context = false;
    int threads = 0;             // 0: physical cores
    std::string kl_divergence_base;  // when set, save the base log-probabilities there (llama.cpp's layout)
    std::function<void(std::int64_t chunk, double running_ppl)> on_chunk;
};

struct PerplexityReport {
    double ppl = 0.0, ppl_error = 0.0;
    std::int64_t n_chunks = 0, n_scored = 0;
};

PerplexityReport perplexity(const PerplexityRequest& request);

// --- multiple-choice evaluation (llama-perplexity --hellaswag, lm-evaluation-harness) -------------------
struct EvalRequest {
    std::string model;  // GGUF
    std::string task = "hellaswag";  // hellaswag (llama.cpp's 6-line text format) | arc | truthfulqa-mc1 | mc (JSON lines)
    std::string data;   // the task file's contents
    std::string data_name;  // its name, for errors
    std::size_t limit = 0;  // 0: all tasks
    bool randomize = true;  // llama.cpp's task order (mt19937 seeded 1); false: file order
    bool allow_beyond_training_context = false;
    int threads = 0;
    std::function<void(std::size_t task, double running_acc_norm)> on_task;
};

struct EvalReport {
    std::size_t tasks = 0;
    double acc = 0, acc_stderr = 0, acc_norm = 0, acc_norm_stderr = 0;  // percent
};

EvalReport evaluate(const EvalRequest& request);

// --- speed (llama-bench) ---------------------------------------------------------------------------------
struct BenchRequest {
    std::string model;  // GGUF
    int n_prompt = 512, n_gen = 128, repetitions = 3, threads = 0;
    std::vector<int> parallel;  // batched decode: this many sequences at once (aggregate tokens/s)
};

struct BenchReport {
    std::string model, kernels;  // kernels: "avx512", "avx2" or "scalar"
    // per weight type, the kernel and layout it runs ("q4_K: q4_K_r16 (avx512-vnni)")
    std::vector<std::string> kernel_paths;
    // bytes of weight matrices one decoded token streams, and that rate at the measured decode speed
    std::uint64_t bytes_per_token = 0;
    double tg_gb_per_s = 0;
    std::uint64_t size_bytes = 0, parameters = 0;
    double bits_per_weight = 0, load_ms = 0;
    int threads = 0, n_prompt = 0, n_gen = 0, repetitions = 0;
    double pp_tps = 0, pp_tps_sd = 0, tg_tps = 0, tg_tps_sd = 0;  // tokens per second, mean and sd
    double peak_rss_mib = 0;
    struct Batched {
        int sequences = 0;
        double tps = 0, tps_sd = 0;  // every sequence's tokens per second together
    };
    std::vector<Batched> batched;
};

BenchReport bench(const BenchRequest& request);

// --- quality report over types x methods ----------------------------------------------------------------
struct ReportRequest {
    std::string base;                  // GGUF (float) or Hugging Face checkpoint directory
    std::vector<std::string> types;    // Q8_0, Q6_K, Q4_K_M, ...
    std::vector<std::string> methods;  // rtn, imatrix, gptq, awq (the last two calibrated layer by layer)
    // checkpoint formats measured beside them: mlx4, mlx8 (mlx-lm's layout, groups of 64), fp8 (E4M3, per channel),
    // ct2-int8 (CTranslate2 int8_float16)
    std::vector<std::string> formats;
    std::string eval_file, calib_file, out_dir;
    std::int64_t n_ctx = 512, chunks = -1;
    int bench_prompt = 128, bench_gen = 32, threads = 0;
    std::function<void(const std::string& line)> on_progress;
};

struct ReportFiles {
    std::string markdown, json, svg;
    std::size_t cells = 0, reused = 0;
};

ReportFiles report(const ReportRequest& request);

// --- format advice -------------------------------------------------------------------------------------
struct AdviseRequest {
    std::string model;        // GGUF or Hugging Face directory; or leave empty and give params
    std::string params;       // "70B", "8B", ...: the nearest well-known Llama shape is assumed
    std::int64_t layers = 0, hidden = 0, kv_heads = 0;  // overrides of the assumed shape (0: keep)
    std::string device = "cpu";   // cpu | nvidia | apple
    std::string gpu_arch;         // nvidia: hopper | ada | ampere | ...
    std::string memory;           // "24GB", "8GiB"; empty: no limit
    std::int64_t context = 4096, batch = 1;
    double bandwidth_gbs = 0;     // 0: measured (cpu) or typical (gpu)
    std::string priority = "balanced";  // quality | balanced | size
    std::string report;           // report.json from qforge report: measured KLD per type is quoted
};

struct AdviseRow {
    std::string format, family;
    double bits_per_weight = 0, weights_bytes = 0, kv_bytes = 0, overhead_bytes = 0, total_bytes = 0;
    bool fits = false;
    double decode_tps = 0;
    double measured_kld = -1;  // -1: not measured
};

struct AdviseReport {
    std::string source;  // model path or the assumed shape
    std::uint64_t parameters = 0;
    std::int64_t layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0;
    std::string device, bandwidth_source;
    double bandwidth_gbs = 0, memory_bytes = 0;  // 0: no limit
    std::int64_t context = 0, batch = 0;
    std::vector<AdviseRow> rows;
    std::string recommended, reason;
};

AdviseReport advise(const AdviseRequest& request);

// --- importance matrix (llama-imatrix) -----------------------------------------------------------------
struct ImatrixRequest {
    std::string model;        // GGUF
    std::string text;         // calibration text
    std::string dataset;      // its file name, recorded in the output
    std::string output;       // written atomically
    std::string format = "dat";  // "dat" (llama.cpp's legacy layout) or "gguf"
    std::int64_t n_ctx = 512;
    std::int64_t n_chunks = -1;
    std::int64_t n_batch = 2048;
    bool process_output = false;  // also collect output.weight's input
    bool allow_beyond_training_context = false;
    int threads = 0;
    std::function<void(std::int64_t chunk, double running_ppl)> on_chunk;
};

struct ImatrixReport {
    double ppl = 0.0, ppl_error = 0.0;  // of the calibration pass (llama-imatrix prints it too)
    std::int64_t n_chunks = 0;
    std::size_t entries = 0;
    // expert tensors left out because some expert saw no token (llama-imatrix's "has partial data - skipping")
    std::vector<std::string> partial;
};

ImatrixReport imatrix(const ImatrixRequest& request);

// --- KL-divergence against saved base log-probabilities -------------------------------------------------
struct KlDivergenceRequest {
    std::string model;      // GGUF to compare
    std::string base_file;  // written by perplexity with kl_divergence_base
    int threads = 0;
    std::function<void(const std::string& line)> on_line;  // llama-perplexity's report, line by line
};

struct KlDivergenceReport {
    double ppl = 0, ppl_base = 0, mean_kld = 0, mean_kld_error = 0, max_kld = 0, same_top = 0, rms_dp = 0;
    std::int64_t tokens = 0;
};

KlDivergenceReport kl_divergence(const KlDivergenceRequest& request);

// --- run (text generation) -----------------------------------------------------------------------------
struct GenerateRequest {
    std::string model;  // GGUF
    std::string prompt;
    std::int64_t n_predict = 128;
    std::int64_t n_ctx = 0;         // 0: the model's training context, at most 4096
    bool allow_beyond_training_context = false;
    float temperature = 0.8f;       // 0: greedy
    std::int32_t top_k = 40;
    float top_p = 0.95f;
    float min_p = 0.05f;               // 0: off
    float repeat_penalty = 1.0f;       // 1: off
    std::int32_t repeat_last_n = 64;   // tokens the penalties look back over (-1: all)
    float presence_penalty = 0.0f, frequency_penalty = 0.0f;
    std::uint32_t seed = 0xFFFFFFFFu;  // 0xFFFFFFFF: random
    int threads = 0;
    std::function<void(const std::string& piece)> on_piece;  // streamed text
};

struct GenerateResult {
    std::string text;
    std::vector<std::int32_t> tokens;
    std::size_t prompt_tokens = 0;
    double load_seconds = 0.0, prompt_seconds = 0.0, generation_seconds = 0.0;
};

GenerateResult generate(const GenerateRequest& request);

}  // namespace qforge
