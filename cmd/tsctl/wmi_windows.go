//go:build windows

package main

import (
	"context"
	"os"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/wmi"
)

// openWMI connects through WMI/DCOM to the site's SMS Provider, as the
// signed-in user or as $TSCTL_USERNAME / $TSCTL_PASSWORD.
func openWMI(url string) (provider.Site, error) {
	return wmi.Open(context.Background(), url, os.Getenv("TSCTL_USERNAME"), os.Getenv("TSCTL_PASSWORD"))
}
