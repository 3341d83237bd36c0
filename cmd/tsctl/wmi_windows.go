//go:build windows

package main

import (
	"context"
	"os"

	"github.com/tsctl/tsctl/provider"
	"github.com/tsctl/tsctl/provider/adminservice"
	"github.com/tsctl/tsctl/provider/wmi"
)

// openWMI connects through WMI/DCOM to the site's SMS Provider, as the
// signed-in user or as $TSCTL_USERNAME with $TSCTL_PASSWORD (asked for on
// the terminal when unset).
func (c *cli) openWMI(url string) (provider.Site, error) {
	user, pw := os.Getenv(adminservice.EnvUsername), os.Getenv(adminservice.EnvPassword)
	if user != "" && pw == "" {
		var err error
		if pw, err = c.askPassword(user); err != nil {
			return nil, err
		}
	}
	return wmi.Open(context.Background(), url, user, pw)
}
