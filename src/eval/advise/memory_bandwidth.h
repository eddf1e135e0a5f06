#pragma once
// A short streaming test of this machine's memory read bandwidth (GB/s): every thread sums its share of a
// buffer much larger than the caches, best of a few passes. Decode speed of a memory-bound model follows it.
namespace qforge {

double measure_read_bandwidth_gbs(int threads = 0);

}  // namespace qforge
