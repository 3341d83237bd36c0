package secret

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"github.com/tsctl/tsctl/internal/model"
)

// Redactor removes the secret values a run has read from text the site
// sends back. tsctl never prints a secret itself, but a provider that
// echoes a request in its error message (the sequence XML carries the
// values of password steps) would otherwise put one in the summary.
type Redactor struct {
	mu    sync.Mutex
	forms map[string]bool // each value as read, XML-escaped and JSON-escaped
}

// Redacted stands for a secret value in messages.
const Redacted = "[secret]"

// Add records v in the forms a site could echo it: as read, escaped for
// XML text or attributes (inside the sequence XML), and each of those
// escaped for a JSON string, with and without HTML escaping (in a REST
// request body).
func (rd *Redactor) Add(v string) {
	if v == "" {
		return
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.forms == nil {
		rd.forms = map[string]bool{}
	}
	for _, f := range []string{v, model.EscapeText(v), model.EscapeAttr(v)} {
		rd.forms[f] = true
		for _, html := range []bool{true, false} {
			var b strings.Builder
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(html)
			_ = enc.Encode(f)
			j := strings.TrimSuffix(b.String(), "\n")
			rd.forms[j[1:len(j)-1]] = true
		}
	}
}

// Redact replaces every form of every secret in s, longest first.
func (rd *Redactor) Redact(s string) string {
	rd.mu.Lock()
	forms := make([]string, 0, len(rd.forms))
	for f := range rd.forms {
		forms = append(forms, f)
	}
	rd.mu.Unlock()
	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	for _, f := range forms {
		s = strings.ReplaceAll(s, f, Redacted)
	}
	return s
}
