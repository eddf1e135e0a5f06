#pragma once
// llama-quantize's --override-kv KEY=TYPE:VALUE (TYPE int, float, bool or str): a metadata key the output gets,
// written as llama.cpp writes it (int as i32, float as f32, str of at most 127 bytes), removed first and
// appended, so it ends the key list in command-line order.
#include <string>

#include "formats/gguf/gguf_value.h"

namespace qforge {

struct KvOverride {
    std::string key;
    GgufValue value;
};

// Parses one override; a malformed one (no '=', unknown type, a number that is not one, bool other than
// true/false, a string over 127 bytes, a key of 128 bytes or more, general.alignment) fails naming the flag.
KvOverride parse_kv_override(const std::string& spec);

}  // namespace qforge
