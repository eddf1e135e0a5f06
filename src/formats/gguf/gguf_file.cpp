#include "formats/gguf/gguf_file.h"

#include <limits>
#include <unordered_set>

#include "core/byte_reader.h"
#include "core/error.h"
#include "core/utf8.h"
#include "formats/gguf/gguf_constants.h"
#include "formats/gguf/gguf_split.h"

namespace qforge {
namespace {

// Smallest possible encodings, used to reject counts that could not fit in the file before allocating.
constexpr std::uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr std::uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;

class Parser {
public:
    Parser(const MappedFile& file) : r_(file.bytes(), file.path()) {}

    std::string read_string(const std::string& what, bool check_utf8) {
        const auto len = r_.read<std::uint64_t>(what + " length");
        if (len > r_.remaining())
            fail("{}: {} at offset {} claims {} bytes but only {} remain", r_.file(), what, r_.offset() - 8, len,
                 r_.remaining());
        auto bytes = r_.take(len, what);
        std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        if (check_utf8 && !is_valid_utf8(s))
            fail("{}: {} at offset {} is not valid UTF-8", r_.file(), what, r_.offset() - len);
        return s;
    }

    GgufType read_type(const std::string& what) {
        const auto t = r_.read<std::uint32_t>(what);
        if (t >= kGgufTypeCount)
            fail("{}: {} has unknown value type {} (expected 0..12)", r_.file(), what, t);
        return static_cast<GgufType>(t);
    }

    template <typename T>
    GgufValue scalar(const std::string& what) {
        return GgufValue::make(r_.read<T>(what));
    }

    GgufValue read_value(GgufType type, const std::string& key) {
        const std::string what = "value of '" + key + "'";
        switch (type) {
            case GgufType::U8: return scalar<std::uint8_t>(what);
            case GgufType::I8: return scalar<std::int8_t>(what);
            case GgufType::U16: return scalar<std::uint16_t>(what);
            case GgufType::I16: return scalar<std::int16_t>(what);
            case GgufType::U32: return scalar<std::uint32_t>(what);
            case GgufType::I32: return scalar<std::int32_t>(what);
            case GgufType::F32: return scalar<float>(what);
            case GgufType::U64: return scalar<std::uint64_t>(what);
            case GgufType::I64: return scalar<std::int64_t>(what);
            case GgufType::F64: return scalar<double>(what);
            case GgufType::BOOL: {
                const auto b = r_.read<std::uint8_t>(what);
                if (b > 1) fail("{}: {} is a bool with byte {} (expected 0 or 1)", r_.file(), what, b);
                return GgufValue::make(b == 1);
            }
            case GgufType::STRING:
                return GgufValue::make(read_string(what, true));
            case GgufType::ARRAY: return GgufValue::make(read_array(key));
        }
        fail("{}: {} has unknown value type", r_.file(), what);
    }

    GgufArray read_array(const std::string& key) {
        GgufArray a;
        a.elem = read_type("array element type of '" + key + "'");
        if (a.elem == GgufType::ARRAY)
            fail("{}: metadata key '{}' is a nested array (llama.cpp rejects arrays of arrays)", r_.file(), key);
        const auto count = r_.read<std::uint64_t>("array length of '" + key + "'");
        const std::uint64_t min_elem = a.elem == GgufType::STRING ? 8 : gguf_scalar_size(a.elem);
        if (count > r_.remaining() / min_elem)
            fail("{}: metadata key '{}' claims {} array elements, more than the {} bytes left can hold",
                 r_.file(), key, count, r_.remaining());
        if (a.elem == GgufType::STRING) {
            a.strings.reserve(count);
            for (std::uint64_t i = 0; i < count; ++i)
                a.strings.push_back(read_string("element " + std::to_string(i) + " of '" + key + "'", true));
        } else {
            auto bytes = r_.take(count * min_elem, "elements of '" + key + "'");
            a.raw.assign(bytes.begin(), bytes.end());
            if (a.elem == GgufType::BOOL)
                for (std::uint64_t i = 0; i < count; ++i)
                    if (a.raw[i] > 1)
                        fail("{}: element {} of bool array '{}' is {} (expected 0 or 1)", r_.file(), i, key, a.raw[i]);
        }
        return a;
    }

    ByteReader r_;
};

}  // namespace

GgufFile::GgufFile(const std::string& path, SingleShard) : file_(std::make_shared<MappedFile>(path)) {
    Parser p(*file_);
    auto& r = p.r_;
    if (file_->size() < 4) fail("{}: not a GGUF file: {} bytes is too short for the magic", path, file_->size());
    const auto magic = r.read<std::uint32_t>("magic");
    if (magic != gguf::kMagic) fail("{}: not a GGUF file: bad magic (expected \"GGUF\")", path);
    version_ = r.read<std::uint32_t>("version");
    if ((version_ & 0x0000FFFFu) == 0)
        fail("{}: version field {:#x} looks byte-swapped: big-endian GGUF files are not supported", path, version_);
    if (version_ == 1) fail("{}: GGUFv1 is no longer supported (expected version 2 or 3)", path);
    if (version_ > gguf::kVersion) fail("{}: GGUF version {} is newer than supported (expected 2 or 3)", path, version_);

    const auto n_tensors = r.read<std::uint64_t>("tensor_count");
    const auto n_kv = r.read<std::uint64_t>("metadata_kv_count");
    if (n_kv > r.remaining() / kMinKvBytes)
        fail("{}: metadata_kv_count {} is impossible for a file of {} bytes", path, n_kv, file_->size());
    if (n_tensors > r.remaining() / kMinTensorInfoBytes)
        fail("{}: tensor_count {} is impossible for a file of {} bytes", path, n_tensors, file_->size());

    for (std::uint64_t i = 0; i < n_kv; ++i) {
        std::string key = p.read_string("key of metadata entry " + std::to_string(i), true);
        if (key.empty()) fail("{}: metadata entry {} has an empty key", path, i);
        if (metadata_.contains(key)) fail("{}: duplicate metadata key '{}'", path, key);
        const GgufType type = p.read_type("value type of '" + key + "'");
        metadata_.set(key, p.read_value(type, key));
    }

    alignment_ = gguf::kDefaultAlignment;
    if (const GgufValue* a = metadata_.find(gguf::kAlignmentKey)) {
        if (a->type() != GgufType::U32)
            fail("{}: metadata key '{}' has type {} (expected u32)", path, gguf::kAlignmentKey,
                 gguf_type_name(a->type()));
        alignment_ = std::get<std::uint32_t>(a->v);
        if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0)
            fail("{}: metadata key '{}' is {} (expected a power of two)", path, gguf::kAlignmentKey, alignment_);
    }

    std::unordered_set<std::string> names;
    std::vector<std::uint64_t> sizes;
    tensors_.reserve(n_tensors);
    std::uint64_t expected_offset = 0;
    for (std::uint64_t i = 0; i < n_tensors; ++i) {
        TensorView t;
        t.name = p.read_string("name of tensor " + std::to_string(i), true);
        if (t.name.size() > gguf::kMaxNameLength)
            fail("{}: tensor {} name is {} bytes (expected at most {})", path, i, t.name.size(), gguf::kMaxNameLength);
        if (!names.insert(t.name).second) fail("{}: duplicate tensor name '{}'", path, t.name);
        const auto n_dims = r.read<std::uint32_t>("n_dims of tensor '" + t.name + "'");
        if (n_dims > gguf::kMaxDims)
            fail("{}: tensor '{}' has {} dimensions (expected at most {})", path, t.name, n_dims, gguf::kMaxDims);
        std::uint64_t n_elements = 1;
        for (std::uint32_t d = 0; d < n_dims; ++d) {
            const auto ne = r.read<std::uint64_t>("ne of tensor '" + t.name + "'");
            if (ne > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
                (ne != 0 && n_elements > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / ne))
                fail("{}: tensor '{}' has an absurd shape (dimension {} is {})", path, t.name, d, ne);
            n_elements *= ne;
            t.ne.push_back(static_cast<std::int64_t>(ne));
        }
        const auto type_id = r.read<std::uint32_t>("type of tensor '" + t.name + "'");
        const auto tr = type_traits(type_id);
        if (!tr || !tr->in_gguf)
            fail("{}: tensor '{}' has tensor type id {}, which this version of qforge cannot decode", path, t.name,
                 type_id);
        t.type = static_cast<TensorType>(type_id);
        const std::int64_t ne0 = t.ne.empty() ? 1 : t.ne[0];
        if (ne0 % tr->block_size != 0)
            fail("{}: tensor '{}' of type {} has row length {} (expected a multiple of the block size {})", path,
                 t.name, tr->name, ne0, tr->block_size);
        const auto nbytes = bytes_for(t.type, n_elements);
        if (!nbytes) fail("{}: tensor '{}' is too large to address", path, t.name);
        const auto offset = r.read<std::uint64_t>("offset of tensor '" + t.name + "'");
        if (offset != expected_offset)
            fail("{}: tensor '{}' has offset {}, expected {} (tensor data must be packed in declaration order)",
                 path, t.name, offset, expected_offset);
        if (*nbytes > file_->size() || expected_offset > file_->size())
            fail("{}: tensor '{}' ({} bytes at data offset {}) runs past the end of the file ({} bytes)", path,
                 t.name, *nbytes, expected_offset, file_->size());
        expected_offset = gguf::pad_to(expected_offset + *nbytes, alignment_);
        offsets_.push_back(offset);
        sizes.push_back(*nbytes);
        tensors_.push_back(std::move(t));
    }

    data_offset_ = gguf::pad_to(r.offset(), alignment_);
    for (std::size_t i = 0; i < tensors_.size(); ++i) {
        const std::uint64_t begin = data_offset_ + offsets_[i];
        if (begin > file_->size() || sizes[i] > file_->size() - begin)
            fail("{}: data of tensor '{}' (offset {}, {} bytes) runs past the end of the file ({} bytes)", path,
                 tensors_[i].name, begin, sizes[i], file_->size());
        tensors_[i].data = file_->bytes().subspan(begin, sizes[i]);
    }
}

GgufFile::GgufFile(const std::string& path) : GgufFile(path, SingleShard{}) { open_other_shards(); }

std::uint64_t GgufFile::file_size() const {
    std::uint64_t n = file_->size();
    for (const auto& s : shards_) n += s->size();
    return n;
}

namespace {

std::uint16_t split_key_u16(const GgufMetadata& m, const char* key, const std::string& path) {
    const GgufValue* v = m.find(key);
    if (v == nullptr) fail("{}: metadata key '{}' is missing (every shard of a split model has it)", path, key);
    if (v->type() != GgufType::U16)
        fail("{}: metadata key '{}' has type {} (expected u16)", path, key, gguf_type_name(v->type()));
    return std::get<std::uint16_t>(v->v);
}

}  // namespace

void GgufFile::open_other_shards() {
    const std::string& path = file_->path();
    if (!metadata_.contains(gguf::kSplitCount)) return;
    const int count = split_key_u16(metadata_, gguf::kSplitCount, path);
    if (count <= 1) return;
    const int no = split_key_u16(metadata_, gguf::kSplitNo, path);
    if (no != 0) {
        const auto prefix = gguf::split_prefix(path, no, count);
        fail("{}: this is shard {} of {} of a split model: open the first shard{}", path, no + 1, count,
             prefix ? " (" + gguf::split_path(*prefix, 0, count) + ")" : std::string());
    }
    const auto prefix = gguf::split_prefix(path, 0, count);
    if (!prefix)
        fail("{}: the first of {} shards must be named PREFIX-00001-of-{:05d}.gguf, so that the others can be found",
             path, count, count);
    std::unordered_set<std::string> names;
    for (const auto& t : tensors_) names.insert(t.name);
    shard_of_.assign(tensors_.size(), 0);
    for (int i = 1; i < count; ++i) {
        const std::string shard_path = gguf::split_path(*prefix, i, count);
        GgufFile shard(shard_path, SingleShard{});
        const int shard_no = split_key_u16(shard.metadata_, gguf::kSplitNo, shard_path);
        if (shard_no != i) fail("{}: split.no is {}, expected {} for shard {} of {}", shard_path, shard_no, i, i + 1, count);
        for (std::size_t k = 0; k < shard.tensors_.size(); ++k) {
            if (!names.insert(shard.tensors_[k].name).second)
                fail("{}: tensor '{}' is also in an earlier shard", shard_path, shard.tensors_[k].name);
            tensors_.push_back(std::move(shard.tensors_[k]));
            offsets_.push_back(shard.offsets_[k]);
            shard_of_.push_back(static_cast<std::uint16_t>(i));
        }
        shards_.push_back(std::move(shard.file_));
    }
    const GgufValue* n = metadata_.find(gguf::kSplitTensorsCount);
    if (n == nullptr) fail("{}: metadata key '{}' is missing (the first shard of a split model has it)", path, gguf::kSplitTensorsCount);
    if (n->type() != GgufType::I32)
        fail("{}: metadata key '{}' has type {} (expected i32)", path, gguf::kSplitTensorsCount, gguf_type_name(n->type()));
    const auto expected = std::get<std::int32_t>(n->v);
    if (expected < 0 || static_cast<std::size_t>(expected) != tensors_.size())
        fail("{}: {} says {} tensors, the {} shards hold {}", path, gguf::kSplitTensorsCount, expected, count,
             tensors_.size());
}

}  // namespace qforge
