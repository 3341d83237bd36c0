package engine

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/secret"
	"github.com/tsctl/tsctl/provider"
)

// echoingSite refuses every sequence with a message that quotes the
// request, as a careless provider might.
type echoingSite struct{ provider.Site }

func (s *echoingSite) ExecMethod(ctx context.Context, class, method string, in map[string]any) (map[string]any, error) {
	if method == "ImportSequence" {
		x, _ := in["SequenceXML"].(string)
		var plain strings.Builder
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(in)
		escaped, _ := json.Marshal(in)
		return nil, &provider.Error{Kind: provider.KindInvalid, Op: method, Msg: "cannot import " + x + " from " + plain.String(),
			Hint: "check the request " + string(escaped)}
	}
	return s.Site.ExecMethod(ctx, class, method, in)
}

func TestFailuresNeverEchoSecrets(t *testing.T) {
	const value = `p&ss"w<rd 42`
	t.Setenv("TSCTL_TEST_JOIN", value)
	cfg, ds := config.Parse("tsctl.yaml", []byte(`sequences:
  - name: Join
    steps:
      - name: Join
        joinDomain: { domain: corp.example, account: CORP\svc, password: { env: TSCTL_TEST_JOIN } }
`))
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	ctx := context.Background()
	site := &echoingSite{openTestSite(t)}
	res, err := mustPlan(t, ctx, site, cfg).Apply(ctx, ApplyOptions{Parallelism: 1, User: "me"})
	if err != nil {
		t.Fatal(err)
	}
	o := res.Objects[0]
	if o.Outcome != Failed || !strings.Contains(o.Reason, "cannot import") {
		t.Fatalf("outcome %v: %s", o.Outcome, o.Reason)
	}
	for _, text := range []string{o.Reason, o.Hint} {
		for _, form := range []string{value, "p&amp;ss", "w&lt;rd", `p&ss\"w`, `ss\"w`, "ss&quot;w", `p\u0026`, `w\u003c`, "rd 42"} {
			if strings.Contains(text, form) {
				t.Errorf("the secret (as %q) is in %q", form, text)
			}
		}
		if !strings.Contains(text, secret.Redacted) {
			t.Errorf("no %s in %q", secret.Redacted, text)
		}
	}
}
