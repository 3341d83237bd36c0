package convert

import (
	"fmt"
	"runtime"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/exportfile"
)

// All converts seqs and returns the text of each one's item in a document
// (Encode), in order: byte for byte what converting them one after the
// other with c (Sequence) and encoding each writes, with the same Report.
//
// Sequences are converted ahead of their turn on every core, each by a
// converter of its own that starts from nothing shared and keeps a journal
// of every read and write of what sequences share (names handed out,
// secret placeholders, content listed: see shared). Each is then settled
// in order: its journal is replayed against the state the sequences before
// it left; when every read answers the same, its conversion is c's (its
// placeholders renamed to the ones c would have chosen, its report lines
// appended); otherwise c converts it again, in turn. Correctness rests on
// the replay alone: the work ahead only saves time.
//
// At most one sequence per core is converted and not yet settled (two
// raised the peak of the 500-sequence convert from 118–121 MB to 126–137
// MB), and once a sequence is settled its steps and XML are dropped
// (seqs[i].Sequence and .XML set to nil and "", its name and IDs kept, by
// which the sequences after it name it): a conversion of thousands of
// sequences holds their YAML text, not their nodes and models at once. converted, when not nil,
// is called after each sequence is settled, in order, from the calling
// goroutine. A sequence not loaded yet (exportfile.Sequence.Load) is
// loaded by whatever converts it. The error is the first sequence's, in
// order, that could not be loaded or written (a sequence that cannot be
// loaded ends the conversion there).
func (c *Converter) All(seqs []*exportfile.Sequence, converted func()) ([][]byte, error) {
	return c.all(seqs, runtime.GOMAXPROCS(0), converted)
}

// converted is a sequence converted ahead of its turn (or the error
// loading it met).
type converted struct {
	node    *yaml.Node
	report  Report
	journal []op
	err     error
}

// all is All with workers converting ahead (0: none, each sequence is
// converted in turn).
func (c *Converter) all(seqs []*exportfile.Sequence, workers int, done func()) ([][]byte, error) {
	items := make([][]byte, len(seqs))
	errs := make([]error, len(seqs))
	checks := make([]written, len(seqs))
	type job struct {
		i    int
		name string
		node *yaml.Node
	}
	encoders := max(1, runtime.GOMAXPROCS(0)-1)
	jobs := make(chan job, 2*encoders) // nodes waiting to be written: a bounded number
	var wg sync.WaitGroup
	for range encoders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				item, err := Encode(j.node)
				if err != nil {
					err = fmt.Errorf("write sequence %q: %w", j.name, err)
				} else {
					checks[j.i] = checkWritten(j.node, len(item))
				}
				items[j.i], errs[j.i] = item, err
			}
		}()
	}

	// Converting ahead: a feeder hands out indexes, at most workers of
	// them unsettled; each worker sends its result on the index's channel.
	// stop ends the feeder when a sequence cannot be loaded.
	var results []chan converted
	var ahead chan struct{}
	stop := make(chan struct{})
	defer close(stop)
	if workers > 0 {
		results = make([]chan converted, len(seqs))
		for i := range results {
			results[i] = make(chan converted, 1)
		}
		ahead = make(chan struct{}, workers)
		indexes := make(chan int)
		go func() {
			defer close(indexes)
			for i := range seqs {
				select { // a slot the settling below frees
				case ahead <- struct{}{}:
				case <-stop:
					return
				}
				select {
				case indexes <- i:
				case <-stop:
					return
				}
			}
		}()
		memo := c.memo() // one for all: an answer depends on the step alone
		builds := c.buildMemo()
		for range workers {
			go func() {
				w := &Converter{Names: c.Names, sh: newShared(), refusals: memo, builds: builds}
				for i := range indexes {
					if err := seqs[i].Loaded(); err != nil {
						results[i] <- converted{err: err}
						continue
					}
					w.sh.reset()
					w.Report = Report{}
					journal := []op{}
					w.journal = &journal
					node := w.Sequence(seqs[i])
					results[i] <- converted{node: node, report: w.Report, journal: journal}
				}
			}()
		}
	}

	for i, s := range seqs {
		var node *yaml.Node
		if workers > 0 {
			r := <-results[i]
			<-ahead
			if r.err != nil {
				close(jobs)
				wg.Wait()
				return nil, r.err
			}
			if replay(c.sh, r.journal, r.report.Secrets) {
				node = r.node
				c.Report.append(r.report)
			}
		} else if err := s.Loaded(); err != nil {
			close(jobs)
			wg.Wait()
			return nil, err
		}
		if node == nil {
			node = c.Sequence(s)
			c.reconverted++
		}
		jobs <- job{i, s.Name, node}
		s.Sequence, s.XML = nil, ""
		if done != nil {
			done()
		}
	}
	close(jobs)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	c.written = checks
	return items, nil
}

// append adds r's lists to the report's.
func (rep *Report) append(r Report) {
	rep.Generic = append(rep.Generic, r.Generic...)
	rep.IDs = append(rep.IDs, r.IDs...)
	rep.Secrets = append(rep.Secrets, r.Secrets...)
	rep.Blanked = append(rep.Blanked, r.Blanked...)
	rep.MDT = append(rep.MDT, r.MDT...)
	rep.Refused = append(rep.Refused, r.Refused...)
	rep.RefusedSequences = append(rep.RefusedSequences, r.RefusedSequences...)
}
