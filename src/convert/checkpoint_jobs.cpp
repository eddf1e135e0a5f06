#include "convert/checkpoint_jobs.h"

#include "core/error.h"
#include "core/progress.h"
#include "formats/hf/sharded_safetensors_writer.h"

namespace qforge {

WrittenTensors write_tensor_jobs(HfDirectoryWriter& writer, const std::vector<TensorJob>& jobs, std::uint64_t max_shard_bytes,
                                 const std::map<std::string, std::string>& metadata, bool always_index, const std::string& label, bool progress) {
    std::vector<SafetensorsEntry> entries;
    std::uint64_t total = 0;
    for (const TensorJob& j : jobs)
        for (const SafetensorsEntry& e : j.entries) {
            entries.push_back(e);
            total += e.nbytes();
        }
    WrittenTensors w;
    w.tensors = entries.size();
    ShardedSafetensorsWriter st(writer, std::move(entries), max_shard_bytes, metadata, always_index);
    Progress bar(label, total, progress);
    for (const TensorJob& j : jobs) {
        const std::vector<std::vector<std::uint8_t>> parts = j.make();
        if (parts.size() != j.entries.size()) fail("internal error: a job made {} tensors of {}", parts.size(), j.entries.size());
        for (const auto& bytes : parts) st.write(bytes);
        bar.advance(j.entries[0].nbytes(), j.entries[0].name);
    }
    st.finish();
    bar.finish();
    w.shards = st.shards();
    w.bytes = st.bytes();
    return w;
}

}  // namespace qforge
