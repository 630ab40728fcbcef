package main

import "github.com/spf13/cobra"

// newSpineCmd is not built yet: it returns nil and the command is not listed.
func newSpineCmd(a *app) *cobra.Command { return nil }
