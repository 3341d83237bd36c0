package convert

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/tsctl/tsctl/internal/exportfile"
	"github.com/tsctl/tsctl/internal/model"
)

// All loads a sequence not loaded yet where it converts it, and stops at
// the first, in order, that cannot be loaded, with its error, leaving no
// goroutine behind, converting in turn or ahead on any number of workers.
func TestAllStopsAtFirstSequenceNotLoaded(t *testing.T) {
	const text = `<sequence version="3.10"><step type="SMS_TaskSequence_SetVariableAction" name="Set A" description="" runIn="WinPEandFullOS" successCodeList="0" runFromNet="false"><action>tsenv.exe "A=1"</action><defaultVarList><variable name="VariableName" property="VariableName" hidden="true">A</variable><variable name="VariableValue" property="VariableValue" hidden="true">1</variable></defaultVarList></step></sequence>`
	sequences := func(failing ...int) []*exportfile.Sequence {
		var out []*exportfile.Sequence
		for i := range 8 {
			s := &exportfile.Sequence{Name: fmt.Sprintf("Seq %d", i), PackageID: fmt.Sprintf("PS1%05d", i)}
			err := error(nil)
			for _, f := range failing {
				if f == i {
					err = fmt.Errorf("sequence %d does not load", i)
				}
			}
			s.Load = func() (*model.Sequence, error) {
				if err != nil {
					return nil, err
				}
				return model.Parse([]byte(text))
			}
			out = append(out, s)
		}
		return out
	}
	before := runtime.NumGoroutine()
	for _, workers := range []int{0, 1, 2, 8} {
		items, err := New(nil).all(sequences(), workers, nil)
		if err != nil || len(items) != 8 {
			t.Fatalf("%d workers: %d items, %v", workers, len(items), err)
		}
		for _, failing := range [][]int{{2, 5}, {7}, {0}, {5, 2}} {
			_, err := New(nil).all(sequences(failing...), workers, nil)
			first := min(failing[0], failing[len(failing)-1])
			if want := fmt.Sprintf("sequence %d does not load", first); err == nil || err.Error() != want {
				t.Errorf("%d workers, %v failing: %v, want %s", workers, failing, err, want)
			}
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines left behind:\n%s", n-before, buf[:runtime.Stack(buf, true)])
	}
}
