// Package web holds the lab's page templates and front-end assets, embedded
// into the datalab binary with go:embed.
//
// Templates (templates/*.tmpl) are html/template files using GOV.UK
// Frontend markup: layout.tmpl is the page shell (skip link, header,
// service navigation, phase banner, footer) and each page defines a
// "content" block. Static files live under static/: GOV.UK Frontend's built
// CSS, JavaScript, fonts and images are copied into static/govuk by
// `make assets` (scripts/assets.sh) from the npm package govuk-frontend,
// pinned by package-lock.json. They are never committed and never fetched
// from a CDN at run time; a binary built without them serves unstyled
// pages (HasGOVUKFrontend reports which).
package web

import (
	"embed"
	"io/fs"
)

//go:embed templates/*.tmpl
var templates embed.FS

//go:embed all:static
var static embed.FS

//go:embed templates/app.js
var appJS []byte

// AppJS is the pages' one script, a module that starts GOV.UK Frontend's
// components when the browser supports them (progressive enhancement;
// served as /static/app.js).
func AppJS() []byte { return appJS }

// Templates returns the page templates, rooted so that "layout.tmpl" names
// the page shell.
func Templates() fs.FS {
	sub, err := fs.Sub(templates, "templates")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// Static returns the static files, rooted at web/static (so
// "govuk/govuk-frontend.min.css" names GOV.UK Frontend's stylesheet).
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// GOVUKFrontendCSS is the stylesheet's path within Static.
const GOVUKFrontendCSS = "govuk/govuk-frontend.min.css"

// HasGOVUKFrontend reports whether GOV.UK Frontend's built files were
// present (make assets) when the binary was built.
func HasGOVUKFrontend() bool {
	_, err := fs.Stat(Static(), GOVUKFrontendCSS)
	return err == nil
}
