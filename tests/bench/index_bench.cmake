# Google Benchmark of analysis/ (run by hand): token hashing MB/s, the
# token diff of a save, one unit's indexing, and the rebuild-set query on
# 10k/100k/1M-form graphs.
add_executable(hotc_index_bench bench/index_bench.cpp)
target_link_libraries(hotc_index_bench PRIVATE hotcindex benchmark::benchmark pthread)
