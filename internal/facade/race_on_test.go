//go:build race

package facade

// raceDetector is whether the tests run with the race detector, which
// allocates for its own bookkeeping: allocation bounds do not hold then.
const raceDetector = true
