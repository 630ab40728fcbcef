package server

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/employment-data-lab/datalab/internal/linkage/submission"
)

// uploadField is the multipart field carrying participants.csv, in the
// form and in the API.
const uploadField = "participants"

// upload is a received participants file, checked. Content holds direct
// identifiers: it is written only to the job's private work folder and is
// never logged or echoed back.
type upload struct {
	Name    string // the sanitised original file name
	Content []byte
	Checked submission.Submission
	Refused error // non-nil when the file as a whole cannot be used
	// Fields holds the small form fields sent before the file (the CSRF
	// token, the programme name).
	Fields map[string]string
}

// cleanFileName returns the file name a browser sent, or an error if it
// tries to name a path: the name must be a plain file name (no directory
// separators, no "..", no control characters), at most 255 bytes.
func cleanFileName(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fieldError(uploadField, "the file name %s; rename the file (for example participants.csv) and upload it again", why)
	}
	switch {
	case name == "":
		return bad("is empty")
	case len(name) > 255:
		return bad("is longer than 255 characters")
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8")
	case strings.ContainsAny(name, `/\`):
		return bad("contains a folder separator")
	case strings.Contains(name, ".."):
		return bad(`contains ".."`)
	case strings.HasPrefix(name, "."):
		return bad("starts with a dot")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return bad("contains a control character")
		}
	}
	return name, nil
}

// readUpload reads the participants file from a multipart request whose
// body is already limited by http.MaxBytesReader, checks that its content
// is a participants CSV (by content, not by name or declared type) and
// runs the submission checks on it.
//
// The returned upload is never nil: Fields holds the small fields read so
// far even when err is not, so the caller can check the CSRF token first.
func readUpload(r *http.Request, opt submission.Options) (*upload, error) {
	up := &upload{Fields: map[string]string{}}
	fields := up.Fields
	mr, err := r.MultipartReader()
	if err != nil {
		return up, errorf(KindUnsupported, "send the file as multipart/form-data with the field %q", uploadField)
	}
	var part *multipart.Part
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return up, fieldError(uploadField, "select a participants file (participants.csv) to upload")
		}
		if err != nil {
			return up, asUploadError(err)
		}
		if p.FormName() == uploadField {
			part = p
			break
		}
		// Small fields before the file (the CSRF token, the programme
		// name) are kept for the caller; at most 1 KB each.
		if p.FileName() == "" && len(fields) < 8 {
			v, err := io.ReadAll(io.LimitReader(p, 1<<10))
			if err != nil {
				return up, asUploadError(err)
			}
			fields[p.FormName()] = string(v)
		}
		p.Close()
	}
	name, err := cleanFileName(rawFileName(part))
	if err != nil {
		return up, err
	}
	content, err := io.ReadAll(part)
	if err != nil {
		return up, asUploadError(err)
	}
	// Fields after the file (a script may send them last).
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if p.FileName() == "" && len(fields) < 8 {
			v, _ := io.ReadAll(io.LimitReader(p, 1<<10))
			if _, seen := fields[p.FormName()]; !seen {
				fields[p.FormName()] = string(v)
			}
		}
		p.Close()
	}
	if len(bytes.TrimSpace(content)) == 0 {
		return up, fieldError(uploadField, "the selected file is empty; it needs a header row and one row per participant")
	}
	if err := sniffCSV(content); err != nil {
		return up, err
	}
	up.Name, up.Content = name, content
	up.Checked, up.Refused = submission.Read(bytes.NewReader(content), name, opt)
	return up, nil
}

// rawFileName is the file name exactly as the client sent it.
// multipart.Part.FileName applies filepath.Base, which would quietly turn
// "../../etc/passwd" into "passwd"; a name that tries to be a path is
// refused instead, so the provider learns the file was misnamed.
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return ""
	}
	return params["filename"]
}

func asUploadError(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return asError(err)
	}
	return errorf(KindInvalid, "the upload was interrupted or is not valid multipart/form-data; try again")
}

// sniffCSV refuses content that is not text: a spreadsheet saved as .xlsx
// (a ZIP), a PDF, an image or any file with NUL bytes or invalid UTF-8.
func sniffCSV(b []byte) error {
	head := b[:min(len(b), 512)]
	ct := http.DetectContentType(head)
	notCSV := func(what string) error {
		return &Error{Kind: KindUnsupported, Field: uploadField, Message: "the selected file is " + what +
			", not a CSV file; in your spreadsheet choose Save as, then \"CSV UTF-8 (comma delimited)\", and upload that"}
	}
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return notCSV("UTF-16 text")
	case strings.HasPrefix(ct, "application/zip"), bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return notCSV("a ZIP archive (an .xlsx workbook is one)")
	case strings.HasPrefix(ct, "application/pdf"):
		return notCSV("a PDF")
	case strings.HasPrefix(ct, "image/"), strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "video/"):
		return notCSV("an image or media file")
	case bytes.IndexByte(b, 0) >= 0:
		return notCSV("binary (it contains NUL bytes)")
	case !utf8.Valid(bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})):
		return notCSV("not UTF-8 text")
	}
	return nil
}
