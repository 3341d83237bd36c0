//go:build windows

package main

import (
	"fmt"

	"github.com/tsctl/tsctl/provider"
)

// openWMI will connect through WMI/DCOM; the WMI provider is not in this build yet.
func openWMI(url string) (provider.Site, error) {
	return nil, fmt.Errorf("site %q: the WMI provider is not in this build yet; use an https:// AdminService URL", url)
}
