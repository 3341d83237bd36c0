package facade

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"sync"

	"github.com/tsctl/tsctl/internal/jsonvalue"
	"github.com/tsctl/tsctl/internal/model"
)

// handedOut keeps the last SMS_TaskSequence objects the façade handed out
// (ImportSequence's answers), by the hash of the XML annotated on them:
// when SetSequence brings one back unchanged, the façade takes the
// sequence it parsed and the Steps it rendered from here instead of
// parsing the XML and rendering its Steps again. The answer's wire form
// is the same as without it; an object not found here (another server's, evicted, or
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
	steps []any           // its Steps as the answer rendered them (stepsJSON), never changed
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

// sameJSON reports whether two JSON values are equal once encoded
// (jsonvalue writes a value one way only: object keys sorted, strings
// escaped alike, a number as its literal), so that equal encodings are
// equal values as the body decoder reads them back. Values equal as they
// are — maps and arrays of equal elements, equal strings and bools,
// numbers of one literal — are equal without being encoded.
func sameJSON(a, b any) bool {
	if equalValues(a, b) {
		return true
	}
	x, err1 := jsonvalue.Append(nil, a)
	y, err2 := jsonvalue.Append(nil, b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// equalValues reports whether a and b are the same JSON value as they
// are; false may still be two values of one encoding (sameJSON).
func equalValues(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		b, ok := b.(string)
		return ok && a == b
	case bool:
		b, ok := b.(bool)
		return ok && a == b
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !equalValues(v, w) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	x, ok1 := numberLiteral(a)
	y, ok2 := numberLiteral(b)
	return ok1 && ok2 && x == y
}

// numberLiteral is the literal a number is encoded as.
func numberLiteral(v any) (string, bool) {
	switch n := v.(type) {
	case json.Number:
		if n == "" {
			return "0", true
		}
		return string(n), true
	case int64:
		return strconv.FormatInt(n, 10), true
	case int:
		return strconv.Itoa(n), true
	}
	return "", false
}
