// Command tsctl-gen writes a generated tsctl configuration of N sequences
// × M steps to stdout, for benchmarks and scale tests:
//
//	go run ./cmd/tsctl-gen -sequences 1000 -steps 50 > big.yaml
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/tsctl/tsctl/internal/workload"
)

func main() {
	var s workload.Spec
	flag.IntVar(&s.Sequences, "sequences", 100, "task sequences")
	flag.IntVar(&s.Steps, "steps", 50, "steps per sequence")
	flag.IntVar(&s.Packages, "packages", 0, "shared packages (default sequences/20)")
	flag.IntVar(&s.Modules, "modules", 0, "child sequences the others run (default sequences/50)")
	flag.Parse()
	if s.Sequences < 1 || s.Steps < 1 {
		fmt.Fprintln(os.Stderr, "tsctl-gen: error: -sequences and -steps must be at least 1")
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	err := workload.Write(w, s)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tsctl-gen: error:", err)
		os.Exit(1)
	}
}
