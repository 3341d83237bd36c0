//go:build race

package jsonvalue

// raceDetector is whether the tests run with the race detector, which
// allocates for its own bookkeeping and drops pooled buffers at random:
// allocation bounds do not hold then.
const raceDetector = true
