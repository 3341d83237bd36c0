package config

import "strings"

// A document that holds only sequences — no site, owner, packages or
// deployments, as convert and export write — draws no diagnostic from
// Parse exactly when each of its sequences, alone in a document of its
// own, draws none and the checks across them find nothing: no two
// sequences of one name, no Run Task Sequence cycle. Every other check
// reads one sequence (and the packages, of which there are none); the
// schema checks each item of sequences: on its own (schema.ValidateSequence
// has no constraint across items). So such a document can be checked as
// its sequences are written, one at a time, and only AcceptedTogether
// left to the end. Which diagnostics a refused document draws, and where,
// only Parse says. TestPiecesAcceptWhatParseAccepts holds the pieces to
// Parse.

// Links is what the checks across sequences read of one sequence: its
// name and the names of the sequences its Run Task Sequence steps run.
type Links struct {
	Name string
	Runs []string
}

// Links returns s's name and the sequences it runs.
func (s *Sequence) Links() Links { return Links{Name: s.Name, Runs: s.Dependencies()} }

// AcceptedTogether reports whether the checks of a document across its
// sequences find nothing among seqs: no name declared twice (in any
// case), no Run Task Sequence cycle (check's own checkCycles).
func AcceptedTogether(seqs []Links) bool {
	c := &Config{}
	byName := make(map[string]*Sequence, len(seqs))
	runs := map[*Sequence][]childRun{}
	for _, l := range seqs {
		key := strings.ToLower(l.Name)
		if _, twice := byName[key]; twice {
			return false
		}
		s := &Sequence{Name: l.Name}
		byName[key] = s
		c.Sequences = append(c.Sequences, s)
		for _, r := range l.Runs {
			runs[s] = append(runs[s], childRun{child: r})
		}
	}
	return len(c.checkCycles(byName, runs)) == 0
}
