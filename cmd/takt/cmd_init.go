package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/takt-billing/takt/internal/config"
)

func newInitCmd(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented example configuration",
		Long: `Write a commented example takt.yaml (or the file given with --config).
Edit the company settings and each source, then put the credentials into
the environment variables the file names: secrets never go into the file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flag = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(g.config, flag, 0o644)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s exists; edit it, or pass --force to overwrite it", g.config)
			}
			if err != nil {
				return err
			}
			if _, err := f.Write(config.Example()); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "wrote %s: edit it, export the credentials it names, then run `takt run --config %s`\n", g.config, g.config)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
