package main

import "github.com/spf13/cobra"

// newMetaCmd is not built yet: it returns nil and the command is not listed.
func newMetaCmd(a *app) *cobra.Command { return nil }
