// libFuzzer target: the importance-matrix reader (legacy .dat, or GGUF when the input starts with the magic)
// must turn any input into an Imatrix or a qforge::Error; what it returns must survive means() and writing.
#include <cstdint>

#include "core/error.h"
#include "formats/imatrix/imatrix_data.h"
#include "mem_file.h"
#include "scratch_dir.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    qforge::fuzz::MemFile file(data, size);
    try {
        const qforge::Imatrix m = qforge::read_imatrix(file.path());
        double sum = 0;
        for (const auto& e : m.entries)
            for (float v : e.means()) sum += v;
        volatile double sink = sum;
        (void)sink;
        qforge::write_imatrix(qforge::fuzz::scratch_dir() + "/out.dat", m, qforge::ImatrixFormat::Dat);
    } catch (const qforge::Error&) {
    }
    return 0;
}
