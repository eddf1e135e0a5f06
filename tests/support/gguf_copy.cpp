#include "support/gguf_copy.h"

#include "formats/gguf/gguf_writer.h"

namespace qforge::test {

void copy_gguf(const GgufFile& in, const std::string& out_path) {
    std::vector<GgufTensorInfo> infos;
    for (const auto& t : in.tensors()) infos.push_back({t.name, t.type, t.ne});
    GgufWriter w(out_path, in.metadata(), std::move(infos));
    for (const auto& t : in.tensors()) w.write(t.data);
    w.finish();
}

}  // namespace qforge::test
