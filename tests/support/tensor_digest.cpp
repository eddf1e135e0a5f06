#include "support/tensor_digest.h"

#include <algorithm>
#include <vector>

#include "formats/gguf/gguf_file.h"
#include "support/sha256.h"

namespace qforge::test {

std::string tensor_digest(const std::string& gguf_path) {
    const GgufFile f(gguf_path);
    std::vector<const TensorView*> ts;
    for (const TensorView& t : f.tensors()) ts.push_back(&t);
    std::sort(ts.begin(), ts.end(), [](const TensorView* a, const TensorView* b) { return a->name < b->name; });
    std::string lines;
    for (const TensorView* t : ts) lines += t->name + " " + std::to_string(static_cast<int>(t->type)) + " " + sha256_bytes(t->data) + "\n";
    return sha256_bytes({reinterpret_cast<const std::uint8_t*>(lines.data()), lines.size()});
}

}  // namespace qforge::test
