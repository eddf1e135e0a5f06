#pragma once
// llama.cpp's GGUF imatrix layout: general.type "imatrix", imatrix.datasets (strings), imatrix.chunk_count and
// imatrix.chunk_size (u32); per weight matrix W two F32 tensors, "W.in_sum2" (ne = {columns, matrices}, raw
// sums of squares) and "W.counts" (ne = {1, matrices}).
#include <string>

#include "formats/gguf/gguf_file.h"
#include "formats/imatrix/imatrix_data.h"

namespace qforge {

Imatrix imatrix_from_gguf(const GgufFile& file);
void write_imatrix_gguf(const std::string& path, const Imatrix& imatrix);

}  // namespace qforge
