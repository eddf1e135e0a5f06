#pragma once
// A digest of a GGUF's tensors alone: sha256 of "NAME TYPE_ID SHA256(DATA)\n" for every tensor in name order, so
// that a file can be held to a reference tool's output whatever order that file lists its tensors in and whatever
// its metadata says (/work/ref's tensor_digest.py computes the same with gguf-py).
#include <string>

namespace qforge::test {

std::string tensor_digest(const std::string& gguf_path);

}  // namespace qforge::test
