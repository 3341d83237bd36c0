// Package workload generates realistic tsctl configurations of any size —
// N sequences of M steps, sharing packages, OS images and child sequences —
// for the benchmarks (cmd/tsctl-bench, engine's Benchmark*) and the scale
// tests (cmd/tsctl-gen, the genconfig script command). Output is generated,
// never committed.
package workload
