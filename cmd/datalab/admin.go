package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/server/service"
)

func newAdminCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "admin",
		Short: "Administer the lab's web service (accounts)",
		Long: `admin manages the web service's records directly in its store, for the
first account and for recovery. Everything else (more users, organisations,
role changes) is done by an admin in the web pages or the JSON API, where it
is audited with who did it.`,
	}
	c.AddCommand(newCreateUserCmd(a))
	return c
}

func newCreateUserCmd(a *app) *cobra.Command {
	var db, email, name, role, org string
	c := &cobra.Command{
		Use:   "create-user",
		Short: "Create an account (the password is read from standard input, never a flag)",
		Long: `create-user adds an account to the lab's store. The password is read from
standard input (one line; piping it in suits scripts), or prompted for when
standard input is a terminal: never from a flag, which would leave it in the
shell history and the process list. The store hashes it with argon2id.

Roles: provider (needs --org: sees only that organisation's submissions and
reports), analyst (runs and reviews every evaluation), publisher (approves
publication) and admin (organisations and users). --org names the
organisation; it is created if it does not exist yet.`,
		Example: `  datalab admin create-user --db lab/lab.db --email admin@lab.example --role admin
  printf '%s\n' "$PROVIDER_PASSWORD" | datalab admin create-user --db lab/lab.db \
      --email ana@workwell.example --role provider --org "Work Well Leeds"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if db == "" || email == "" || role == "" {
				return errors.New("create-user needs --db, --email and --role")
			}
			pw, err := readPassword(cmd.InOrStdin(), a.stderr)
			if err != nil {
				return err
			}
			u, o, err := service.CreateUser(cmd.Context(), db, email, name, role, org, pw, time.Now())
			if err != nil {
				return err
			}
			where := "no organisation"
			if o != nil {
				where = fmt.Sprintf("organisation %q (id %d)", o.Name, o.ID)
			}
			fmt.Fprintf(a.stdout, "created %s user %s (id %d) in %s, %s\n", u.Role, u.Email, u.ID, service.RedactDSN(db), where)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&db, "db", "", "the store: a SQLite file or a postgres:// URL (as given to serve)")
	f.StringVar(&email, "email", "", "the account's email address (its sign-in name)")
	f.StringVar(&name, "name", "", "the person's name (optional)")
	f.StringVar(&role, "role", "", "provider, analyst, publisher or admin")
	f.StringVar(&org, "org", "", "organisation name (required for providers; created if new)")
	return c
}

// readPassword reads one line from in; when in is a terminal it prompts
// on stderr first (the typed characters are echoed: pipe the password in
// to avoid that).
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(prompt, "Password (at least 12 characters; it will be shown as you type, pipe it in to avoid that): ")
		}
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input; pipe one in, e.g. printf '%s\\n' \"$PASSWORD\" | datalab admin create-user ...")
	}
	return pw, nil
}
