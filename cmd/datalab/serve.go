package main

import (
	"github.com/spf13/cobra"

	"github.com/employment-data-lab/datalab/internal/server/service"
)

func newServeCmd(a *app) *cobra.Command {
	var o service.Options
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the lab's web service: uploads, job progress, review, publication",
		Long: `serve runs the Employment Data Lab as a web service. Providers sign in, upload
participants.csv and see its check results at once; linkage and evaluation then
run as a persisted background job whose progress the submission page shows (it
refreshes itself, no JavaScript needed). Analysts review each evaluation
(counts, balance, headline estimates, a QA checklist, comments) and sign it off;
a publisher approves it, and the report is published at a stable public URL,
/published/{slug}, listed on /published. Every action is also in the JSON API
described at /api/openapi.json.

Records live in SQLite (--db FILE, default DATA/lab.db) or PostgreSQL
(--db postgres://user:pass@host/db). Jobs are stored there too, so they survive
a restart: a job interrupted by a crash is re-queued when the server starts.

Security: the server listens on loopback by default and refuses any other
address without TLS (--tls-cert/--tls-key) unless --allow-remote says a TLS
proxy is in front. Session cookies are HttpOnly, SameSite=Lax and Secure; over
plain http on loopback browsers may not send Secure cookies, so use
--insecure-cookies there (refused on any other address). Every form carries a
CSRF token; sign-in is rate-limited per account and per client address.

Disclosure control: a report is published only through the differencing guard.
Each evaluation job keeps keyed digests (HMAC-SHA-256) of its cohort's spine
person_ids, never the ids; publication compares them with every cohort the
organisation already had published and refuses one that differs from any by
1 to 99 people (409, with the number of people). The secret key is DATA/lab.key,
made at the first start (owner-only), or --key-file (at least 32 bytes, mode
600; the same file 'datalab report --key-file' takes). Keep it, and back it up:
under a new key earlier cohorts can no longer be recognised.

Create the first account with 'datalab admin create-user'.`,
		Example: `  datalab serve --demo          # a synthetic lab with accounts for every role, printed at start-up
  datalab admin create-user --db lab/lab.db --email admin@lab.example --role admin
  datalab serve --data lab --spine world/spine.duckdb --insecure-cookies
  datalab serve --db postgres://datalab:secret@127.0.0.1/datalab --spine world/spine.duckdb \
      --addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log, o.Stdout = a.log, a.stdout
			return service.Run(cmd.Context(), o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:8080", "listen address (loopback unless TLS or --allow-remote)")
	f.StringVar(&o.DB, "db", "", "store: a SQLite file or a postgres:// URL (default DATA/lab.db)")
	f.StringVar(&o.DataDir, "data", "datalab-data", "data folder: the SQLite store and the jobs' private work folders")
	f.StringVar(&o.Spine, "spine", "", "imported spine database (datalab spine import) the jobs link and evaluate against")
	f.StringVar(&o.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	f.StringVar(&o.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	f.BoolVar(&o.InsecureCookies, "insecure-cookies", false, "drop the cookies' Secure attribute (plain http on loopback only)")
	f.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a non-loopback --addr without TLS (a TLS proxy is in front)")
	f.StringVar(&o.KeyFile, "key-file", "", "secret key for the cohorts' keyed digests, at least 32 bytes, mode 600 (default DATA/lab.key, created at the first start)")
	f.Int64Var(&o.MaxUpload, "max-upload", 20<<20, "largest participants file accepted, in bytes")
	f.IntVar(&o.Workers, "workers", 0, "jobs run at once (default half the CPUs, at least 1)")
	f.BoolVar(&o.Demo, "demo", false, "start with a synthetic world, demo organisations and accounts, and a published example report")
	return c
}
