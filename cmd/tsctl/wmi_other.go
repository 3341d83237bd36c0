//go:build !windows

package main

import (
	"fmt"

	"github.com/tsctl/tsctl/provider"
)

// openWMI explains that wmi:// sites need Windows.
func (c *cli) openWMI(url string) (provider.Site, error) {
	return nil, fmt.Errorf("site %q: wmi:// needs Windows (DCOM); use an https:// AdminService URL from this system", url)
}
