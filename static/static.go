// Package static embeds Consign's CSS and scripts and serves them under
// content-hash URLs, so browsers may cache them forever.
//
// htmx.min.js is htmx 2.0.11, unmodified, from the npm package htmx.org
// (dist/htmx.min.js); admin.js is our own.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
)

//go:embed *.css *.js
var files embed.FS

// Assets maps file names to their hashed URLs and back.
type Assets struct {
	urls  map[string]string // name -> /static/HASH/name
	names map[string]string // HASH/name -> name
}

// New hashes every embedded file.
func New() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, names: map[string]string{}}
	err := fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		key := hex.EncodeToString(sum[:6]) + "/" + path
		a.urls[path], a.names[key] = "/static/"+key, path
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash static files: %w", err)
	}
	return a, nil
}

// URL is the cacheable URL of a file, e.g. URL("app.css").
func (a *Assets) URL(name string) string { return a.urls[name] }

// Open returns the file behind a hashed path ("HASH/name"), or false.
func (a *Assets) Open(hashed string) ([]byte, string, bool) {
	name, ok := a.names[hashed]
	if !ok {
		return nil, "", false
	}
	data, err := files.ReadFile(name)
	return data, name, err == nil
}
