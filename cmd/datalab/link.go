package main

import "github.com/spf13/cobra"

// newLinkCmd is not built yet: it returns nil and the command is not listed.
func newLinkCmd(a *app) *cobra.Command { return nil }
