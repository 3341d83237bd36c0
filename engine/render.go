package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/internal/desired"
	"github.com/tsctl/tsctl/internal/diag"
	"github.com/tsctl/tsctl/internal/model"
	"github.com/tsctl/tsctl/internal/resolve"
	"github.com/tsctl/tsctl/provider"
)

// Render builds the sequence named name and returns it as a site stores it, with references resolved against site. Secrets are not
// read: their values are empty, as in a site's export. reads bounds the
// calls in flight while reading the site (0: SequenceReads).
func Render(ctx context.Context, site provider.Site, cfg *config.Config, name string, reads int) (*model.Sequence, diag.List, error) {
	var cs *config.Sequence
	for _, s := range cfg.Sequences {
		if strings.EqualFold(s.Name, name) {
			cs = s
		}
	}
	if cs == nil {
		var names []string
		for _, s := range cfg.Sequences {
			names = append(names, s.Name)
		}
		return nil, nil, diag.WithHint(fmt.Errorf("no sequence named %q in the configuration", name), "sequences: "+orNone(names))
	}
	st, err := ReadState(ctx, site, reads)
	if err != nil {
		return nil, nil, err
	}
	q, ds := (&desired.Builder{R: resolve.New(st, cfg, nil)}).Sequence(cs)
	if ds.HasErrors() {
		return nil, ds, nil
	}
	model.Derive(q, st.Child)
	return q, ds, nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
