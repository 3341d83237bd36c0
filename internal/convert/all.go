package convert

import (
	"fmt"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// All converts seqs in order and returns the text of each one's item in a
// document (Encode), in the same order. A sequence is written as YAML on
// another core while the next one is converted (the conversion itself is
// one after the other: names handed out and secret placeholders are chosen
// across sequences). Once a sequence is converted, seqs[i] is replaced by
// a copy without its steps and XML, keeping its name and IDs, by which the
// sequences after it name it: a conversion of thousands of sequences holds
// their YAML text, not their nodes and models at once. converted, when not
// nil, is called after each sequence is converted, from the calling
// goroutine. The error is the first sequence's, in order, that could not
// be written.
func (c *Converter) All(seqs []*exportfile.Sequence, converted func()) ([][]byte, error) {
	items := make([][]byte, len(seqs))
	errs := make([]error, len(seqs))
	type job struct {
		i    int
		name string
		node *yaml.Node
	}
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	jobs := make(chan job, 2*workers) // nodes waiting to be written: a bounded number
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				item, err := Encode(j.node)
				if err != nil {
					err = fmt.Errorf("write sequence %q: %w", j.name, err)
				}
				items[j.i], errs[j.i] = item, err
			}
		}()
	}
	for i, s := range seqs {
		jobs <- job{i, s.Name, c.Sequence(s)}
		light := *s
		light.Sequence, light.XML = nil, ""
		seqs[i] = &light
		if converted != nil {
			converted()
		}
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}
