package main

import "github.com/spf13/cobra"

// newPowerCmd is not built yet: it returns nil and the command is not listed.
func newPowerCmd(a *app) *cobra.Command { return nil }
