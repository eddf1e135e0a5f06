#include "support/calibration_figure.h"

#include "qforge/qforge.h"
#include "support/fixtures.h"

namespace qforge::test {

FigureBase figure_base(const std::string& f32, const TempDir& dir) {
    FigureBase b{dir.file("figure.imatrix"), dir.file("figure-base.kld")};
    ImatrixRequest im;
    im.model = f32;
    im.text = read_file_bytes(fixture("text/pydoc-valid.txt"));
    im.dataset = "pydoc-valid.txt";
    im.output = b.imatrix;
    im.n_ctx = 128;
    im.n_chunks = 32;
    imatrix(im);
    PerplexityRequest base;
    base.model = f32;
    base.text = read_file_bytes(fixture("text/pydoc-test.txt"));
    base.n_ctx = 128;
    base.n_chunks = 40;
    base.kl_divergence_base = b.kld_base;
    perplexity(base);
    return b;
}

double mean_kld(const std::string& model, const FigureBase& base) {
    KlDivergenceRequest k;
    k.model = model;
    k.base_file = base.kld_base;
    return kl_divergence(k).mean_kld;
}

Q4KMKlds q4km_klds(const std::string& f32, const FigureBase& base, const TempDir& dir) {
    auto kld_of = [&](const std::string& method) {
        QuantizeRequest q;
        q.input = f32;
        q.output = dir.file("figure-" + method + ".gguf");
        q.type = "Q4_K_M";
        q.progress = false;
        if (method == "imatrix") {
            q.imatrix = base.imatrix;
        } else {
            q.method = method;
            q.calib = fixture("text/pydoc-valid.txt");
            q.calib_samples = 32;
            q.calib_ctx = 128;
        }
        quantize(q);
        return mean_kld(q.output, base);
    };
    Q4KMKlds k;
    k.imatrix = kld_of("imatrix");
    k.gptq = kld_of("gptq");
    k.awq = kld_of("awq");
    return k;
}

}  // namespace qforge::test
