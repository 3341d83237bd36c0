package facade

import (
	"strings"
	"testing"

	"github.com/tsctl/tsctl/internal/jsonvalue"
)

// BenchmarkShape checks the shape of an ImportSequence body: 40 KB of
// XML, a quote escaped every twenty bytes.
func BenchmarkShape(b *testing.B) {
	var x strings.Builder
	for x.Len() < 40000 {
		x.WriteString(`<step type="SMS_TaskSequence_RunCommandLineAction" name="Run 1" description="" runIn="WinPEandFullOS"><action>cmd.exe /c "echo &amp; x"</action></step>`)
	}
	body, _ := jsonvalue.Marshal(map[string]any{"SequenceXML": x.String()})
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := checkShape(body); err != nil {
			b.Fatal(err)
		}
	}
}
