package main

import "github.com/spf13/cobra"

// newSynthCmd is not built yet: it returns nil and the command is not listed.
func newSynthCmd(a *app) *cobra.Command { return nil }
