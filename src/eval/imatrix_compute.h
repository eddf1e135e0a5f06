#pragma once
// `qforge imatrix`: runs the model over calibration text exactly as llama-imatrix does (the perplexity pass:
// chunks of n_ctx tokens starting with BOS, all logits) while an ImatrixCollector watches every matrix
// multiplication; the perplexity of the same pass comes out as a check that the model ran right.
#include <string>

#include "eval/perplexity.h"
#include "formats/imatrix/imatrix_data.h"
#include "quant/methods/imatrix_collector.h"

namespace qforge {

struct ImatrixComputeOptions {
    PerplexityOptions pass;  // n_ctx (llama-imatrix's default 512), n_chunks, n_batch, on_chunk
    ImatrixCollectorOptions collect;
    std::string dataset;     // recorded in the file (llama-imatrix records the -f path)
};

struct ImatrixComputeResult {
    Imatrix imatrix;
    PerplexityResult perplexity;
    std::vector<std::string> partial;  // expert entries left out: some expert saw no row
};

ImatrixComputeResult compute_imatrix(const LlamaModel& model, const Tokenizer& tokenizer, const std::string& text,
                                     const ImatrixComputeOptions& options, ThreadPool& pool);

}  // namespace qforge
