package facade

import (
	"bytes"
	"hash/maphash"
	"maps"
	"sync"

	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/provider"
)

// handedOut keeps the last SMS_TaskSequence objects the façade handed out
// (ImportSequence's answers), by the XML annotated on them and by the
// bytes they were encoded as: when SetSequence brings one back, the
// façade takes the sequence it parsed then instead of parsing the XML and
// rendering its Steps again — without even decoding the object when it
// comes back byte for byte as it was sent (what the AdminService client
// does: it sends back what it was given), else once its Steps are
// compared with those handed out. The answer's wire form is the same as
// without it; an object not found here (another server's, evicted, or
// changed) is decoded and parsed as before, so nothing depends on it. The
// site owns what it is given: a site that changes the sequence passed to
// SetSequence clones it first, as the embedded site does.
type handedOut struct {
	mu         sync.Mutex
	seed       maphash.Seed
	byXML      map[uint64]*handedEntry
	byEncoding map[uint64]*handedEntry
	order      []*handedEntry // oldest first
	taken      int            // how many objects take took (for tests)
}

// handedEntry is one SMS_TaskSequence handed out.
type handedEntry struct {
	class string          // its class, as the site named it
	props map[string]any  // the properties the site gave it, never changed
	xml   string          // the XML annotated on it
	seq   *model.Sequence // the sequence parsed from xml
	steps []byte          // its Steps as the answer encoded them (appendSteps), never changed
	enc   []byte          // the object as the answer encoded it, never changed
}

// instance is the SMS_TaskSequence the entry was handed out as, passed
// back: the site reads the sequence from its Handle.
func (e *handedEntry) instance() *provider.Instance {
	return &provider.Instance{Class: e.class, Props: maps.Clone(e.props), Handle: e.seq}
}

// maxHandedOut bounds how many handed-out sequences are kept: more than
// an apply has between its ImportSequence and SetSequence calls at any
// parallelism it allows, each at most a sequence's XML twice (as it is
// and encoded) and its parsed form (a few MB at 2 MB of XML).
const maxHandedOut = 128

// put records an SMS_TaskSequence handed out.
func (h *handedOut) put(e *handedEntry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byXML == nil {
		h.seed = maphash.MakeSeed()
		h.byXML, h.byEncoding = map[uint64]*handedEntry{}, map[uint64]*handedEntry{}
	}
	if len(h.order) >= maxHandedOut {
		old := h.order[0]
		h.order = h.order[1:]
		if k := maphash.String(h.seed, old.xml); h.byXML[k] == old {
			delete(h.byXML, k)
		}
		if k := maphash.Bytes(h.seed, old.enc); h.byEncoding[k] == old {
			delete(h.byEncoding, k)
		}
	}
	h.byXML[maphash.String(h.seed, e.xml)] = e
	h.byEncoding[maphash.Bytes(h.seed, e.enc)] = e
	h.order = append(h.order, e)
}

// get returns the entry handed out with exactly xml, if it is kept.
func (h *handedOut) get(xml string) (*handedEntry, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byXML == nil {
		return nil, false
	}
	e, ok := h.byXML[maphash.String(h.seed, xml)]
	if !ok || e.xml != xml {
		return nil, false
	}
	return e, true
}

// take is the request body's jsonvalue.Taker: an object encoded exactly
// as one handed out is that entry, not decoded (the bytes are the ones
// the façade wrote, so they are valid JSON).
func (h *handedOut) take(_ string, raw []byte) (any, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byEncoding == nil {
		return nil, false
	}
	e, ok := h.byEncoding[maphash.Bytes(h.seed, raw)]
	if !ok || !bytes.Equal(e.enc, raw) {
		return nil, false
	}
	h.taken++
	return e, true
}
