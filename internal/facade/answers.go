package facade

import (
	"context"
	"sync"

	"github.com/tsctl/tsctl/provider"
)

// revisionedSite is a site that tells whether an object's answer may have
// changed since the store revision it was read at (local.Site.GetSince).
type revisionedSite interface {
	GetSince(ctx context.Context, path string, rev uint64) (in *provider.Instance, now uint64, err error)
}

// answers keeps the encoded entity of each object a keyed GET answered
// with, by path, with the store revision it was read at: while the store
// has not changed, a GET of the object is answered with those bytes
// instead of reading, converting and encoding the object again (a no-op
// plan reads every managed sequence, 40 KB of XML each, every run). The
// site still counts the call and injects its faults and latency. It keeps
// at most maxAnswerBytes, letting the oldest go first.
type answers struct {
	mu      sync.Mutex
	entries map[string]answer
	order   []string // paths, oldest first
	bytes   int
}

// answer is an object's entity as a keyed GET encodes it, and the store
// revision it was read at.
type answer struct {
	rev    uint64
	entity []byte
}

// maxAnswerBytes bounds the entities kept: those of more than a thousand
// sequences of fifty steps.
const maxAnswerBytes = 64 << 20

func (a *answers) get(path string) answer {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.entries[path]
}

// put keeps the entity of path read at rev (not 0).
func (a *answers) put(path string, rev uint64, entity []byte) {
	if len(entity) > maxAnswerBytes/16 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.entries == nil {
		a.entries = map[string]answer{}
	}
	if old, ok := a.entries[path]; ok {
		a.bytes -= len(old.entity)
	} else {
		a.order = append(a.order, path)
	}
	a.entries[path] = answer{rev: rev, entity: entity}
	a.bytes += len(entity)
	for a.bytes > maxAnswerBytes && len(a.order) > 0 {
		oldest := a.order[0]
		a.order = a.order[1:]
		if e, ok := a.entries[oldest]; ok {
			a.bytes -= len(e.entity)
			delete(a.entries, oldest)
		}
	}
}
