package facade

import (
	"crypto/sha256"
	"sync"

	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/model"
)

// handedOut keeps the last SMS_TaskSequence objects the façade handed out
// (ImportSequence's answers), by the hash of the XML annotated on them:
// when SetSequence brings one back unchanged, the façade takes the
// sequence it parsed and the Steps it rendered from here instead of
// parsing the XML and rendering its Steps again. The answer's wire form
// is unchanged; an object not found here (another server's, evicted, or
// its XML changed) is parsed as before. The site owns what it is given:
// a site that changes the sequence passed to SetSequence clones it first,
// as the embedded site does.
type handedOut struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]*handedEntry
	order   [][sha256.Size]byte // oldest first
}

// handedEntry is one SMS_TaskSequence handed out.
type handedEntry struct {
	xml   string          // the XML annotated on it
	seq   *model.Sequence // the sequence parsed from xml
	steps []byte          // its Steps as the answer encoded them (jsonvalue.Append of stepsJSON)
}

// maxHandedOut bounds how many handed-out sequences are kept: more than
// an apply has between its ImportSequence and SetSequence calls at any
// parallelism it allows, each at most a sequence's XML and its parsed
// form (a few hundred KB at 2 MB of XML).
const maxHandedOut = 128

// put records an SMS_TaskSequence handed out.
func (h *handedOut) put(e *handedEntry) {
	key := sha256.Sum256([]byte(e.xml))
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.entries == nil {
		h.entries = map[[sha256.Size]byte]*handedEntry{}
	}
	if _, ok := h.entries[key]; ok {
		h.entries[key] = e
		return
	}
	if len(h.order) >= maxHandedOut {
		delete(h.entries, h.order[0])
		h.order = h.order[1:]
	}
	h.entries[key] = e
	h.order = append(h.order, key)
}

// get returns the entry handed out with exactly xml, if it is kept.
func (h *handedOut) get(xml string) (*handedEntry, bool) {
	key := sha256.Sum256([]byte(xml))
	h.mu.Lock()
	e, ok := h.entries[key]
	h.mu.Unlock()
	if !ok || e.xml != xml {
		return nil, false
	}
	return e, true
}

// encodeSteps is the canonical encoding of a Steps value: the one
// jsonvalue writes (object keys sorted, strings escaped one way, a
// json.Number as its literal), so that equal encodings are equal values
// as the body decoder reads them back.
func encodeSteps(v any) ([]byte, bool) {
	b, err := jsonvalue.Append(nil, v)
	return b, err == nil
}
