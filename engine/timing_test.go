package engine

import (
	"context"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tsctl/tsctl/internal/config"
	"github.com/tsctl/tsctl/provider/local"
	"github.com/tsctl/tsctl/schema"
)

func TestTimingBreakdown(t *testing.T) {
	if os.Getenv("TSCTL_TIMING") == "" {
		t.Skip("set TSCTL_TIMING=1")
	}
	b := &testing.B{}
	file, dir := benchSetup(b)
	data, _ := os.ReadFile(file)
	if f, err := os.Create(os.Getenv("TSCTL_TIMING")); err == nil {
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	var n yaml.Node
	yaml.Unmarshal(data, &n)
	t1 := time.Now()
	schema.Validate(file, n.Content[0])
	t2 := time.Now()
	cfg, _ := config.Load([]string{file})
	t3 := time.Now()
	site, _ := local.Open(dir, local.Options{})
	defer site.Close()
	st, _ := ReadState(context.Background(), site, 0)
	t4 := time.Now()
	_ = st
	MakePlan(context.Background(), site, cfg, PlanOptions{})
	t5 := time.Now()
	t.Logf("yaml %v schema %v load(all) %v readstate %v makeplan(all) %v", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), t4.Sub(t3), t5.Sub(t4))
}
