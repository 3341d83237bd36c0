package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/tsctl/tsctl/internal/sitecheck"
)

// siteCheck runs the read-only probes of internal/sitecheck against any site
// (local:, https:// or wmi://) and prints what works and what does not.
func (c *cli) siteCheck(args []string) int {
	fs := c.flags("site check", "")
	siteFlag := fs.String("site", "", "site URL (default $"+SiteEnv+", else "+DefaultSite+")")
	c.addTLSFlags(fs)
	stats := fs.Bool("stats", false, "print the provider calls made")
	if !c.parse(fs, args, 0, 0) {
		return c.parseExit(fs)
	}
	url := c.siteURL(*siteFlag)
	c.notef("checking %s, read-only: nothing is written", url)
	site, err := c.openSite(url, true)
	if err != nil {
		c.fail(err)
		return exitError
	}
	defer site.Close()
	res := sitecheck.Run(context.Background(), site)
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Status, r.Probe, r.Detail)
	}
	tw.Flush()
	ok, warn, fail := sitecheck.Summary(res)
	fmt.Fprintf(c.stdout, "\nSite check: %d ok, %d %s, %d failed.\n", ok, warn, plural(warn, "warning", "warnings"), fail)
	c.printStats(*stats)
	if fail > 0 {
		c.errorf("tsctl cannot work with this site as it is: %s", strings.Join(sitecheck.Failed(res), "; "))
		c.hint("the account needs the rights listed under Permissions (RBAC) in tsctl's README; report anything else, with this output, to the tsctl project")
		return exitError
	}
	return exitOK
}
